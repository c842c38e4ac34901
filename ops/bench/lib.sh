# shellcheck shell=bash
# Variables set here (BIN, ROOT, BENCH_FAILED, ...) are used by the scripts.
# shellcheck disable=SC2034
# Helpers shared by the benchmarks in ops/bench (sourced after
# ops/lib/common.sh). See README.md here for what each benchmark measures.

# bench_setup HOME_NAME DEFAULT_PG_PORT
# Each benchmark gets its own ATRIUM_HOME and PostgreSQL port, so it never
# touches the demo's data in .atrium/pg and can run while the demo runs.
bench_setup() {
    ROOT="$(atrium_root)"
    cd "$ROOT" || die "cannot cd to $ROOT"
    # Always the private embedded cluster: never benchmark (or create and
    # drop tenants in) whatever database DATABASE_URL points at.
    unset DATABASE_URL
    # The embedded cluster, a generated key and the bench routes are development only.
    export ATRIUM_ENV=development
    ensure_packages curl
    export ATRIUM_HOME="${ATRIUM_BENCH_HOME:-$ROOT/.atrium/$1}"
    export ATRIUM_PG_PORT="${ATRIUM_BENCH_PG_PORT:-$2}"
    ensure_postgres_user_access
    # Benchmarks measure the optimised build. ATRIUM_BENCH_SKIP_BUILD=1 reuses
    # an existing one when only the benchmark changed.
    if [[ "${ATRIUM_BENCH_SKIP_BUILD:-0}" != 1 || ! -x "$(atrium_bin release)" ]]; then
        swift_build release
    fi
    BIN="$(require_atrium_bin release)"
    BENCH_LOGS="$ATRIUM_HOME/logs"
    mkdir -p "$BENCH_LOGS"
    BENCH_STARTED_DB=0
    say "ATRIUM_HOME=$ATRIUM_HOME, PostgreSQL port $ATRIUM_PG_PORT, logs in $BENCH_LOGS"
}

# atrium ARGS...: the release binary, with its output in a log file so the
# benchmark's own output stays a readable table. On failure, show the tail.
atrium() {
    local log
    log="$BENCH_LOGS/atrium-$1.log"
    printf '\n### %s atrium %s\n' "$(date -u +%FT%TZ)" "$*" >>"$log"
    if ! "$BIN" "$@" >>"$log" 2>&1; then
        tail -n 20 "$log" >&2
        die "'atrium $*' failed (full log: $log)"
    fi
}

# Starts the embedded cluster unless it already runs; bench_cleanup_db stops
# it again only if we started it.
bench_db_start() {
    local url
    # A cluster that was never initialised has no URL yet: start (and so create) it.
    if ! url="$("$BIN" db url 2>/dev/null)"; then
        say "starting PostgreSQL (atrium db start, first run initialises the cluster)"
        atrium db start
        BENCH_STARTED_DB=1
        return 0
    fi
    if pg_ready "$url"; then
        say "PostgreSQL already running on port $ATRIUM_PG_PORT"
        return 0
    fi
    say "starting PostgreSQL (atrium db start)"
    atrium db start
    BENCH_STARTED_DB=1
}

bench_cleanup_db() {
    if [[ "${BENCH_STARTED_DB:-0}" == 1 && "${ATRIUM_BENCH_KEEP_DB:-0}" != 1 ]]; then
        say "stopping PostgreSQL (set ATRIUM_BENCH_KEEP_DB=1 to keep it)"
        "$BIN" db stop >>"$BENCH_LOGS/atrium-db.log" 2>&1 || warn "'atrium db stop' failed"
    fi
}

# tenants/*.yaml name secrets as env:NAME. A benchmark does not talk to real
# PSPs or platforms, so unset ones get a dummy value instead of failing apply.
# A sandbox PSP's own secret (NAME_SANDBOX_SECRET) stays unset: in development the sandbox then
# derives it from the master key, as it does when it signs its payout callbacks. A dummy value
# made the server refuse those callbacks ("signature does not match").
bench_dummy_secrets() {
    local name
    while read -r name; do
        [[ "$name" != *_SANDBOX_SECRET ]] || continue
        if [[ -z "${!name:-}" ]]; then
            export "$name=bench-dummy-value"
        fi
    done < <(grep -oE 'env:[A-Z][A-Z0-9_]*' "$1" | cut -d: -f2 | sort -u)
}

# The result table: metric | measured | limit | verdict.
# Read by the benchmark scripts for their exit status.
BENCH_FAILED=0
table_header() {
    printf '\n%-40s | %18s | %10s | %s\n' metric measured limit verdict
    printf '%s\n' "-----------------------------------------+--------------------+------------+--------"
}
table_row() {
    printf '%-40s | %18s | %10s | %s\n' "$1" "$2" "$3" "$4"
    [[ "$4" != FAIL ]] || BENCH_FAILED=1
}

# verdict MEASURED OP LIMIT -> PASS or FAIL (floating point compare).
verdict() {
    if awk -v m="$1" -v l="$3" -v op="$2" 'BEGIN {
        ok = (op == ">=") ? (m >= l) : (m <= l); exit !ok }'; then
        echo PASS
    else
        echo FAIL
    fi
}

# Random lowercase hex, for names that must not collide with earlier runs.
random_hex() {
    od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}
