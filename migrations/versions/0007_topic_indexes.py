"""indexes for lists by topic

Every table that links something to topics is keyed by (owner, topic); a list by topic (a topic page,
the inbox's topic filter, the followers of a topic) reads it the other way round, so each gets an
index on (topic, owner).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 02:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

LINKS = {
    'agenda_item_topic': 'agenda_item_id',
    'update_topic': 'lcp_update_id',
    'priority_topic': 'priority_id',
    'lcp_resident_topic': 'lcp_id',
    'follower_topic': 'follower_id',
    'submission_topic': 'submission_id',
}


def upgrade():
    for table, owner in LINKS.items():
        op.create_index(f'ix_{table}_topic', table, ['topic_id', owner], unique=False)


def downgrade():
    for table in LINKS:
        op.drop_index(f'ix_{table}_topic', table_name=table)
