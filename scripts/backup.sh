#!/usr/bin/env bash
# Backs up the site's database into a folder, and keeps the newest BACKUP_KEEP backups there.
#
#   scripts/backup.sh DEST_DIR [DATABASE_URL]
#
# DATABASE_URL comes from the environment (as the app reads it) unless given as the second argument.
#   SQLite:     an online copy (sqlite3 .backup, consistent while the site runs, WAL included), checked
#               with PRAGMA integrity_check and gzipped: lcp-sqlite-YYYYMMDDTHHMMSSZ.sqlite3.gz
#   PostgreSQL: pg_dump --format=custom --no-owner, checked by listing it with pg_restore:
#               lcp-postgresql-YYYYMMDDTHHMMSSZ.dump
# The time in the name is UTC. BACKUP_KEEP (default 14) backups of that kind stay in DEST_DIR; older
# ones are deleted. Other files in DEST_DIR are never touched. Backups are readable by their owner only.
# Restore with scripts/restore.sh (docs/deploy.md). Redis is not backed up: it holds only rate-limit
# counts and cached pages, which may be lost.
set -euo pipefail
export LC_ALL=C

# shellcheck source=scripts/database-url.sh
source "$(dirname "${BASH_SOURCE[0]}")/database-url.sh"

usage="usage: $(basename "$0") DEST_DIR [DATABASE_URL]   (DATABASE_URL may come from the environment)"
if [[ $# -lt 1 || -z ${1:-} ]]; then
    echo "$usage" >&2
    die "give the folder to write the backup into, for example /var/backups/lcp"
fi
if [[ $# -gt 2 ]]; then
    echo "$usage" >&2
    die "too many arguments"
fi
dest_dir=$1
url=${2:-${DATABASE_URL:-}}
if [[ -z $url ]]; then
    echo "$usage" >&2
    die "DATABASE_URL is not set: give it as the second argument or in the environment (for example: set -a; . /etc/lcp/lcp.env; set +a)"
fi
keep=${BACKUP_KEEP:-14}
[[ $keep =~ ^[1-9][0-9]*$ ]] || die "BACKUP_KEEP must be a whole number, 1 or more, not '$keep'"

kind=$(database_kind "$url")
umask 077
mkdir -p -- "$dest_dir"
[[ -w $dest_dir ]] || die "cannot write to $dest_dir"
# sqlite3's .backup takes the path in single quotes.
[[ $dest_dir != *"'"* ]] || die "the backup folder's path must not contain a single quote: $dest_dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)

# Work in hidden files beside the backup and rename at the end, so a failed run never leaves anything
# that looks like a backup (or counts as one when old backups are removed).
work=()
cleanup() {
    if [[ ${#work[@]} -gt 0 ]]; then
        rm -f -- "${work[@]}"
    fi
}
trap cleanup EXIT

if [[ $kind == sqlite ]]; then
    db=$(sqlite_path "$url")
    # sqlite3 would create an empty database for a path that does not exist.
    [[ -f $db ]] || die "no SQLite database at $db (from DATABASE_URL)"
    command -v sqlite3 >/dev/null || die "the sqlite3 command is missing: apt-get install sqlite3"
    ext=sqlite3.gz
    final="$dest_dir/lcp-sqlite-$stamp.$ext"
    [[ ! -e $final ]] || die "$final already exists: wait a second and run again"
    copy=$(mktemp "$dest_dir/.lcp-sqlite-$stamp.XXXXXX")
    work+=("$copy" "$copy-journal" "$copy-wal" "$copy-shm" "$copy.gz")
    # An online backup: a consistent copy even while the site writes (it waits up to 30 s for a lock).
    sqlite3 -bail -cmd ".timeout 30000" "$db" ".backup '$copy'"
    # The copy stands alone: no WAL file beside it is needed to read it.
    sqlite3 -bail "$copy" "PRAGMA journal_mode=DELETE;" >/dev/null
    check=$(sqlite3 -bail "$copy" "PRAGMA integrity_check;")
    [[ $check == ok ]] || die "the copy of $db failed its integrity check, so no backup was written: $check"
    gzip -n -c -- "$copy" >"$copy.gz"
    mv -- "$copy.gz" "$final"
else
    postgresql_connection "$url"
    command -v pg_dump >/dev/null || die "the pg_dump command is missing: apt-get install postgresql-client"
    ext=dump
    final="$dest_dir/lcp-postgresql-$stamp.$ext"
    [[ ! -e $final ]] || die "$final already exists: wait a second and run again"
    dump=$(mktemp "$dest_dir/.lcp-postgresql-$stamp.XXXXXX")
    work+=("$dump")
    pg_dump --format=custom --no-owner --file="$dump" --dbname="$PG_URL"
    # A dump pg_restore cannot read is no backup.
    pg_restore --list "$dump" >/dev/null || die "pg_restore cannot read the dump just made, so no backup was written"
    mv -- "$dump" "$final"
fi

size=$(wc -c <"$final" | tr -d ' ')
echo "backup written: $final ($size bytes)"

# Keep the newest $keep of this kind. The names sort by time, oldest first.
shopt -s nullglob
backups=("$dest_dir"/lcp-"$kind"-????????T??????Z."$ext")
if [[ ${#backups[@]} -gt $keep ]]; then
    for old in "${backups[@]:0:${#backups[@]}-keep}"; do
        rm -f -- "$old"
        echo "old backup removed: $old"
    done
fi
