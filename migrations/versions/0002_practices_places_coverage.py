"""every Leeds GP practice, places, postcode sectors, coverage gaps, meeting joining details

The old gp_practice table held only names copied from the partnership lists. It is rebuilt around
the NHS ODS list (ODS code, readable name, postcode, open or closed, LCP only where confirmed);
its rows are reference data that `flask seed` loads again, and no staff screen could edit them yet.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('gp_practice')
    op.create_table('gp_practice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ods_code', sa.String(length=10), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('official_name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('district', sa.String(length=8), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('lcp_id', sa.Integer(), nullable=True),
    sa.Column('lcp_note', sa.Text(), nullable=False),
    sa.Column('aliases', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['lcp_id'], ['lcp.id'], name=op.f('fk_gp_practice_lcp_id_lcp'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gp_practice')),
    sa.UniqueConstraint('ods_code', name=op.f('uq_gp_practice_ods_code'))
    )
    with op.batch_alter_table('gp_practice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gp_practice_lcp_id'), ['lcp_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gp_practice_district'), ['district'], unique=False)

    op.create_table('place',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('aliases', sa.Text(), nullable=False),
    sa.Column('districts', sa.String(length=120), nullable=False),
    sa.Column('in_leeds', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place')),
    sa.UniqueConstraint('name', name=op.f('uq_place_name'))
    )
    op.create_table('postcode_sector',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('in_leeds', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_postcode_sector')),
    sa.UniqueConstraint('code', name=op.f('uq_postcode_sector_code'))
    )
    op.create_table('coverage_gap',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('places', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coverage_gap')),
    sa.UniqueConstraint('name', name=op.f('uq_coverage_gap_name'))
    )
    with op.batch_alter_table('postcode_district', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partly_outside', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joining_details', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('public_may_attend', sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('public_may_attend')
        batch_op.drop_column('joining_details')
    with op.batch_alter_table('postcode_district', schema=None) as batch_op:
        batch_op.drop_column('note')
        batch_op.drop_column('partly_outside')
    op.drop_table('coverage_gap')
    op.drop_table('postcode_sector')
    op.drop_table('place')
    op.drop_table('gp_practice')
    op.create_table('gp_practice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lcp_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['lcp_id'], ['lcp.id'], name=op.f('fk_gp_practice_lcp_id_lcp'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gp_practice')),
    sa.UniqueConstraint('lcp_id', 'name', name=op.f('uq_gp_practice_lcp_id'))
    )
    with op.batch_alter_table('gp_practice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gp_practice_lcp_id'), ['lcp_id'], unique=False)
