# shellcheck shell=bash
# What scripts/backup.sh and scripts/restore.sh share: reading DATABASE_URL. Sourced, not run.

die() {
    echo "$(basename "$0"): $*" >&2
    exit 1
}

# sqlite or postgresql, from the URL's scheme (with or without a driver: sqlite+pysqlite, postgresql+psycopg).
database_kind() {
    case $1 in
        sqlite:* | sqlite+*:*) echo sqlite ;;
        postgresql:* | postgres:* | postgresql+*:*) echo postgresql ;;
        *) die "DATABASE_URL must start with sqlite:/// or postgresql://, not '${1%%:*}:...'" ;;
    esac
}

# The file a sqlite:/// URL names, as SQLAlchemy reads it: sqlite:///relative/path (from the current
# folder) or sqlite:////absolute/path; any ?query is dropped.
sqlite_path() {
    local rest=${1#*://}
    rest=${rest%%\?*}
    [[ $rest == /* ]] || die "a SQLite DATABASE_URL looks like sqlite:////path/to/lcp.sqlite3, not '$1'"
    rest=${rest#/}
    [[ -n $rest && $rest != ":memory:" ]] || die "DATABASE_URL names an in-memory SQLite database: there is nothing to back up or restore"
    printf '%s\n' "$rest"
}

# Sets PG_URL (the URL without its password and without a SQLAlchemy driver, as libpq reads it) and
# exports PGPASSWORD when the URL holds a password, so that it never shows in the process list.
postgresql_connection() {
    local output
    output=$(LCP_DATABASE_URL=$1 python3 -c '
import os
from urllib.parse import unquote, urlsplit

parts = urlsplit(os.environ["LCP_DATABASE_URL"])
host = parts.hostname or ""
if ":" in host:
    host = f"[{host}]"
netloc = host + (f":{parts.port}" if parts.port else "")
if parts.username is not None:
    netloc = parts.username + "@" + netloc
print(unquote(parts.password or ""))
print(f"postgresql://{netloc}{parts.path}" + (f"?{parts.query}" if parts.query else ""))
') || die "could not read DATABASE_URL as a postgresql:// URL (python3 is needed to read it)"
    # The password comes first, so that an empty one still leaves its own (empty) line.
    local password=${output%%$'\n'*}
    # shellcheck disable=SC2034 # read by the script that sourced this file
    PG_URL=${output#*$'\n'}
    if [[ -n $password ]]; then
        export PGPASSWORD=$password
    fi
}
