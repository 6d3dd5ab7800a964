"""on PostgreSQL, a trigram index for the inbox's free-text search

The inbox finds words anywhere in what people wrote (ILIKE '%word%'), which no ordinary index can
serve: a rare word made PostgreSQL read every submission. pg_trgm's GIN index serves it. SQLite has no
such index and needs none at this size (see bench/README.md). Where the extension cannot be created
(a database role without the right), the migration carries on without the index and says so.

The index is not in the models, since SQLite cannot build it: `app.models.DATABASE_ONLY_INDEXES` names
it so that autogenerate and the schema test leave it alone.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 03:40:00

"""
import logging

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text('CREATE EXTENSION IF NOT EXISTS pg_trgm'))
    except sa.exc.DBAPIError as problem:
        log.warning("pg_trgm could not be created, so the inbox search has no index: %s", problem.orig)
        return
    op.execute('CREATE INDEX IF NOT EXISTS ix_submission_body_trgm ON submission USING gin (body gin_trgm_ops)')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_submission_body_trgm')
