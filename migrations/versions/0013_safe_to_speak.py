"""safe to speak: urgent items, safeguarding contacts and quotes prepared by staff

- `submission.urgent_at` and `urgent_words`: "urgent: check today", from the reviewed phrases or from staff, and
  `urgent_escalated_at`, when the daily check told the citywide admins nobody had opened it;
- `submission.quote_text` (and when; who is in the history): the person's words with other people's details
  removed, the only form in which a reply can quote them; `published_response.quote_text`, what was quoted;
- `staff_user.safeguarding`: emailed at once about urgent items in their partnerships.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 23:30:23.620448

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('published_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quote_text', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('safeguarding', sa.Boolean(), server_default=sa.false(), nullable=False))

    # Plain ADD COLUMNs, so SQLite keeps the table, and with it the search triggers of 0012.
    op.add_column('submission', sa.Column('urgent_at', sa.DateTime(), nullable=True))
    op.add_column('submission', sa.Column('urgent_words', sa.Text(), server_default='', nullable=False))
    op.add_column('submission', sa.Column('urgent_escalated_at', sa.DateTime(), nullable=True))
    op.add_column('submission', sa.Column('quote_text', sa.Text(), nullable=True))
    op.add_column('submission', sa.Column('quote_prepared_at', sa.DateTime(), nullable=True))
    op.create_index(op.f('ix_submission_urgent_at'), 'submission', ['urgent_at'], unique=False)
    # Replies published before quotes were prepared keep their reply but no longer show the words as typed: staff
    # prepare the quote (removing other people's details) and publish again if they want it shown.


def downgrade():
    op.drop_index(op.f('ix_submission_urgent_at'), table_name='submission')
    for column in ('quote_prepared_at', 'quote_text', 'urgent_escalated_at', 'urgent_words',
                   'urgent_at'):
        op.drop_column('submission', column)

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('safeguarding')

    with op.batch_alter_table('published_response', schema=None) as batch_op:
        batch_op.drop_column('quote_text')
