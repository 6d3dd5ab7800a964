#!/usr/bin/env bash
# Restores a backup made by scripts/backup.sh into the database DATABASE_URL names.
#
#   scripts/restore.sh BACKUP_FILE [DATABASE_URL]
#
# DATABASE_URL comes from the environment (as the app reads it) unless given as the second argument.
# Stop everything that uses the database first (systemctl stop lcp-web lcp-outbox, and the timers'
# services), and start it again afterwards; docs/deploy.md has the whole procedure.
#   SQLite (.sqlite3.gz or .sqlite3): unpacked beside the database, checked with PRAGMA integrity_check,
#           then moved into place in one step. The database as it was is kept beside it as
#           NAME.before-restore-YYYYMMDDTHHMMSSZ. Nothing is changed if the check fails.
#   PostgreSQL (.dump): pg_restore --clean --if-exists --no-owner in one transaction, into a database that
#           exists (it may be empty): either all of the backup is restored or nothing changes.
# Then run `flask --app wsgi db upgrade` if the backup is older than the code.
set -euo pipefail
export LC_ALL=C

# shellcheck source=scripts/database-url.sh
source "$(dirname "${BASH_SOURCE[0]}")/database-url.sh"

usage="usage: $(basename "$0") BACKUP_FILE [DATABASE_URL]   (DATABASE_URL may come from the environment)"
if [[ $# -lt 1 || -z ${1:-} ]]; then
    echo "$usage" >&2
    die "give the backup file to restore, for example /var/backups/lcp/lcp-postgresql-20250101T021500Z.dump"
fi
if [[ $# -gt 2 ]]; then
    echo "$usage" >&2
    die "too many arguments"
fi
backup=$1
url=${2:-${DATABASE_URL:-}}
if [[ -z $url ]]; then
    echo "$usage" >&2
    die "DATABASE_URL is not set: give it as the second argument or in the environment (for example: set -a; . /etc/lcp/lcp.env; set +a)"
fi
[[ -f $backup ]] || die "no backup file at $backup"
[[ -r $backup ]] || die "cannot read $backup"

kind=$(database_kind "$url")
case $backup in
    *.sqlite3.gz | *.sqlite3) backup_kind=sqlite ;;
    *.dump) backup_kind=postgresql ;;
    *) die "$backup is not a backup from scripts/backup.sh (.sqlite3.gz for SQLite, .dump for PostgreSQL)" ;;
esac
[[ $backup_kind == "$kind" ]] || die "$backup is a $backup_kind backup, but DATABASE_URL names a $kind database"
stamp=$(date -u +%Y%m%dT%H%M%SZ)

if [[ $kind == sqlite ]]; then
    command -v sqlite3 >/dev/null || die "the sqlite3 command is missing: apt-get install sqlite3"
    db=$(sqlite_path "$url")
    db_dir=$(dirname -- "$db")
    [[ -d $db_dir ]] || die "the folder for the database does not exist: $db_dir"
    [[ -w $db_dir ]] || die "cannot write to $db_dir"
    [[ $db != *"'"* ]] || die "the database's path must not contain a single quote: $db"

    # Unpack beside the database, so the final move is a rename on one file system: all or nothing.
    umask 077
    work=$(mktemp "$db_dir/.lcp-restore-$stamp.XXXXXX")
    cleanup() { rm -f -- "$work" "$work-journal" "$work-wal" "$work-shm"; }
    trap cleanup EXIT
    if [[ $backup == *.gz ]]; then
        gzip -dc -- "$backup" >"$work" || die "cannot unpack $backup; the database was not changed"
    else
        cat -- "$backup" >"$work"
    fi
    check=$(sqlite3 -bail "$work" "PRAGMA integrity_check;" 2>&1) || true
    [[ $check == ok ]] || die "$backup failed its integrity check, so the database was not changed: $check"
    schema=$(sqlite3 -bail "$work" "SELECT version_num FROM alembic_version;" 2>&1) ||
        die "$backup is not a database of this site (no alembic_version table), so the database was not changed"

    if [[ -e $db ]]; then
        # Keep the database as it was, consistent (its WAL included), in case this was the wrong backup.
        saved="$db.before-restore-$stamp"
        sqlite3 -bail -cmd ".timeout 30000" "$db" ".backup '$saved'"
        echo "the database as it was is saved at $saved"
        # As root, give the new file the old one's owner, so the site (user lcp) can still write to it.
        if [[ $EUID -eq 0 ]]; then
            chown --reference="$db" -- "$work" "$saved"
        fi
    fi
    # Journal and WAL files of the old database belong to it; left beside the new file they would be
    # replayed into it.
    rm -f -- "$db-wal" "$db-shm" "$db-journal"
    mv -f -- "$work" "$db"
    echo "restored $backup into $db (schema version $schema)"
else
    command -v pg_restore >/dev/null || die "the pg_restore command is missing: apt-get install postgresql-client"
    pg_restore --list "$backup" >/dev/null 2>&1 || die "$backup is not a pg_dump custom-format file; nothing was changed"
    postgresql_connection "$url"
    pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
        --dbname="$PG_URL" "$backup" ||
        die "pg_restore failed, so the transaction was rolled back and the database was not changed. If the database has tables newer than the backup, restore into a new, empty database instead (docs/deploy.md)."
    schema=$(psql --no-psqlrc --quiet --tuples-only --no-align --dbname="$PG_URL" \
        --command="SELECT version_num FROM alembic_version" 2>/dev/null) || schema="unknown"
    echo "restored $backup into ${PG_URL%%\?*} (schema version $schema)"
fi
echo "Next: run \`flask --app wsgi db upgrade\` if the backup is older than the code, then start the site again."
