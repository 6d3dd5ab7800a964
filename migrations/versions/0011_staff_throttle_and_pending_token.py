"""staff sign-in: a growing wait instead of a lockout, and a one-time token between the two steps

`throttled_until` and `throttle_notified_at` replace the lockout that wrong attempts used to cause;
`locked_at` is from now on set only by an admin, so accounts the old rule locked are unlocked here (their
count of failures is kept, so their next wrong attempt makes them wait). `pending_token_hash` and
`pending_started_at` hold the SHA-256 of the random token a browser gets when its password was right.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('throttled_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('throttle_notified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('pending_token_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('pending_started_at', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_staff_user_pending_token_hash'), ['pending_token_hash'])
    # Before this revision only wrong attempts set `locked_at`; none of those locks was an admin's choice.
    op.execute(sa.text('UPDATE staff_user SET locked_at = NULL WHERE locked_at IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_staff_user_pending_token_hash'), type_='unique')
        batch_op.drop_column('pending_started_at')
        batch_op.drop_column('pending_token_hash')
        batch_op.drop_column('throttle_notified_at')
        batch_op.drop_column('throttled_until')
