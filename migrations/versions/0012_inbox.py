"""the inbox a worker can live in: versions, opened items, targets, saved views, reply templates, staff emails, search

- `routing.version` counts staff changes, so a form drawn from an older version is refused instead of
  overwriting someone else's change; `routing.opened_at` is when the partnership's staff first opened the item
  (until then it is "New": items already worked on count as opened);
- `lcp.response_target_days`: the partnership's first-response target in working days;
- `saved_view`, `reply_template` and `reply_template_translation`;
- what each staff member wants to be told, and what they have been told (`staff_user.notify_*`);
- `submission.same_issue_as_id`: counted together with another submission, without closing anything;
- on SQLite, `submission_fts`, an FTS5 index of what people wrote, kept in step by triggers, for the inbox's
  search and the similar items (PostgreSQL has the trigram index of 0009).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 20:23:25

"""
from alembic import op
import sqlalchemy as sa

FTS_STATEMENTS = (
    "CREATE VIRTUAL TABLE submission_fts USING fts5("
    "body, content='submission', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "INSERT INTO submission_fts(submission_fts) VALUES ('rebuild')",
    "CREATE TRIGGER submission_fts_insert AFTER INSERT ON submission BEGIN "
    "INSERT INTO submission_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER submission_fts_delete AFTER DELETE ON submission BEGIN "
    "INSERT INTO submission_fts(submission_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER submission_fts_update AFTER UPDATE OF body ON submission BEGIN "
    "INSERT INTO submission_fts(submission_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO submission_fts(rowid, body) VALUES (new.id, new.body); END",
)


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reply_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lcp_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='', nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_reply_template_created_by_id_staff_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lcp_id'], ['lcp.id'], name=op.f('fk_reply_template_lcp_id_lcp'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_template'))
    )
    with op.batch_alter_table('reply_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_template_lcp_id'), ['lcp_id'], unique=False)

    op.create_table('saved_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('query', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name=op.f('fk_saved_view_staff_id_staff_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_view')),
    sa.UniqueConstraint('staff_id', 'name', name=op.f('uq_saved_view_staff_id'))
    )
    with op.batch_alter_table('saved_view', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_view_staff_id'), ['staff_id'], unique=False)

    op.create_table('reply_template_translation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['reply_template.id'], name=op.f('fk_reply_template_translation_template_id_reply_template'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_template_translation')),
    sa.UniqueConstraint('template_id', 'language', name=op.f('uq_reply_template_translation_template_id'))
    )
    with op.batch_alter_table('reply_template_translation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_template_translation_template_id'), ['template_id'], unique=False)

    with op.batch_alter_table('lcp', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_target_days', sa.Integer(), server_default='10', nullable=False))

    with op.batch_alter_table('routing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_index('ix_routing_lcp_opened', ['lcp_id', 'opened_at'], unique=False)
        batch_op.create_index('ix_routing_lcp_status', ['lcp_id', 'status'], unique=False)

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_new', sa.String(length=10), server_default='daily', nullable=False))
        batch_op.add_column(sa.Column('notify_daily_hour', sa.Integer(), server_default='8', nullable=False))
        batch_op.add_column(sa.Column('notify_assigned', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_overdue', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notified_routing_id', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('notified_submission_id', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('daily_sent_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('overdue_sent_on', sa.Date(), nullable=True))

    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('same_issue_as_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_submission_same_issue_as_id'), ['same_issue_as_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_submission_same_issue_as_id_submission'), 'submission', ['same_issue_as_id'], ['id'], ondelete='SET NULL')

    # An item a partnership already worked on has been looked at.
    op.execute(sa.text("UPDATE routing SET opened_at = updated_at WHERE status <> 'received' OR assignee_id IS NOT NULL"))
    if op.get_bind().dialect.name == 'sqlite':
        for statement in FTS_STATEMENTS:
            op.execute(sa.text(statement))


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        for name in ('submission_fts_insert', 'submission_fts_delete', 'submission_fts_update'):
            op.execute(sa.text(f'DROP TRIGGER IF EXISTS {name}'))
        op.execute(sa.text('DROP TABLE IF EXISTS submission_fts'))
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_submission_same_issue_as_id_submission'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_submission_same_issue_as_id'))
        batch_op.drop_column('same_issue_as_id')

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('overdue_sent_on')
        batch_op.drop_column('daily_sent_on')
        batch_op.drop_column('notified_submission_id')
        batch_op.drop_column('notified_routing_id')
        batch_op.drop_column('notify_overdue')
        batch_op.drop_column('notify_assigned')
        batch_op.drop_column('notify_daily_hour')
        batch_op.drop_column('notify_new')

    with op.batch_alter_table('routing', schema=None) as batch_op:
        batch_op.drop_index('ix_routing_lcp_status')
        batch_op.drop_index('ix_routing_lcp_opened')
        batch_op.drop_column('version')
        batch_op.drop_column('opened_at')

    with op.batch_alter_table('lcp', schema=None) as batch_op:
        batch_op.drop_column('response_target_days')

    with op.batch_alter_table('reply_template_translation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reply_template_translation_template_id'))

    op.drop_table('reply_template_translation')
    with op.batch_alter_table('saved_view', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_view_staff_id'))

    op.drop_table('saved_view')
    with op.batch_alter_table('reply_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reply_template_lcp_id'))

    op.drop_table('reply_template')
