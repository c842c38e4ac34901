# shellcheck shell=bash
# Helpers shared by backup-tenant and restore-tenant (sourced after
# ops/lib/common.sh).

# psql for scripts: no ~/.psqlrc, unaligned tuples-only output, no chatter,
# stop at the first error, never prompt for a password (no stdin in CI).
psql_at() {
    local url="$1"
    shift
    psql -X -q -A -t -v ON_ERROR_STOP=1 --no-password --dbname="$url" "$@"
}

need_pg_tools() {
    local tool
    for tool in psql pg_dump pg_restore pg_isready; do
        command -v "$tool" >/dev/null 2>&1 ||
            die "$tool not found: install postgresql-client (or run ./ops/demo once)"
    done
}

# The built atrium, preferring ATRIUM_BUILD, then debug, then release.
_backup_atrium_bin() {
    local config
    for config in "${ATRIUM_BUILD:-debug}" debug release; do
        if [[ -x "$(atrium_bin "$config")" ]]; then
            atrium_bin "$config"
            return 0
        fi
    done
    die "DATABASE_URL is not set and no built atrium was found (run 'swift build' or set ATRIUM_BIN)"
}

# backup_database_url: DATABASE_URL, else the embedded cluster's superuser
# URL, starting the cluster when it is down.
backup_database_url() {
    if [[ -n "${DATABASE_URL:-}" ]]; then
        printf '%s\n' "$DATABASE_URL"
        return 0
    fi
    local bin url
    bin="$(_backup_atrium_bin)"
    export ATRIUM_HOME="${ATRIUM_HOME:-$(atrium_root)/.atrium}"
    url="$("$bin" db url --superuser)" || die "'atrium db url --superuser' failed"
    if ! pg_ready "$url"; then
        say "starting the embedded PostgreSQL (atrium db start)"
        "$bin" db start >&2 || die "'atrium db start' failed"
    fi
    printf '%s\n' "$url"
}

# app_login_role URL: the role the application logs in as, which must be a
# member of every tenant role (it switches with SET LOCAL ROLE).
# ATRIUM_APP_ROLE wins; with the embedded cluster it is the user of
# `atrium db url`; otherwise the user of DATABASE_URL.
app_login_role() {
    if [[ -n "${ATRIUM_APP_ROLE:-}" ]]; then
        printf '%s\n' "$ATRIUM_APP_ROLE"
    elif [[ -z "${DATABASE_URL:-}" ]]; then
        parse_db_url "$("$(_backup_atrium_bin)" db url)"
        printf '%s\n' "$DB_USER"
    else
        parse_db_url "$DATABASE_URL"
        printf '%s\n' "$DB_USER"
    fi
}
