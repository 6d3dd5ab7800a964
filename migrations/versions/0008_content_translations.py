"""translations of a partnership's summary and of its updates

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 03:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lcp_translation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lcp_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['lcp_id'], ['lcp.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('lcp_id', 'language')
    )
    op.create_index('ix_lcp_translation_lcp_id', 'lcp_translation', ['lcp_id'], unique=False)
    op.create_table('update_translation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('update_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['update_id'], ['lcp_update.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('update_id', 'language')
    )
    op.create_index('ix_update_translation_update_id', 'update_translation', ['update_id'], unique=False)


def downgrade():
    op.drop_index('ix_update_translation_update_id', table_name='update_translation')
    op.drop_table('update_translation')
    op.drop_index('ix_lcp_translation_lcp_id', table_name='lcp_translation')
    op.drop_table('lcp_translation')
