# shellcheck shell=bash
# Shared helpers for the scripts in ops/. Source it, do not run it:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
#
# Every helper is safe to call repeatedly: when the machine is already set up
# they only check, so the scripts stay fast on a warm machine.

# Packages a fresh Debian 12 machine needs before Atrium builds, tests and runs:
# PostgreSQL for the embedded cluster, libargon2 for password hashing (CArgon2),
# chromium + driver for the browser tests, wrk and pgbouncer for ops/bench and
# ops/pgbouncer.
ATRIUM_APT_PACKAGES=(
    postgresql postgresql-contrib libargon2-dev pkg-config
    chromium chromium-driver wrk pgbouncer ca-certificates curl
)

# Prefixes every message so it is clear which lines come from our scripts
# and which from swift, apt or postgres.
say() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# Absolute path of the repository, found from this file rather than $PWD so
# scripts work from any directory (CI runs `bash .ci/run` from the clone).
atrium_root() {
    local here
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
    (cd "$here/../.." && pwd -P)
}

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run: $* (no sudo available)"
    fi
}

_ATRIUM_APT_UPDATED=0

# ensure_packages [EXTRA...]
# Installs the missing ones among ATRIUM_APT_PACKAGES plus EXTRA. apt-get update
# runs only when something is missing, and at most once per script run, because
# it is the slow part and needs the network.
ensure_packages() {
    local missing=() pkg installed
    # One dpkg-query for all of them: this runs on every script start.
    installed=" $(dpkg-query -W -f='${Package}:${db:Status-Status} ' \
        "${ATRIUM_APT_PACKAGES[@]}" "$@" 2>/dev/null || true) "
    for pkg in "${ATRIUM_APT_PACKAGES[@]}" "$@"; do
        [[ "$installed" == *" $pkg:installed "* ]] || missing+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0

    command -v apt-get >/dev/null 2>&1 ||
        die "missing packages (${missing[*]}) and apt-get is not available; install them by hand"
    say "installing missing packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if [[ $_ATRIUM_APT_UPDATED -eq 0 ]]; then
        as_root apt-get update -q || die "apt-get update failed"
        _ATRIUM_APT_UPDATED=1
    fi
    # No stdin in CI: -y and noninteractive keep apt and debconf from prompting.
    # Recommends stay on: chromium needs them for fonts in the screenshots.
    as_root apt-get install -y -q "${missing[@]}" </dev/null ||
        die "apt-get install failed for: ${missing[*]}"
}

# ensure_postgres_user_access [DIR...]
# The embedded cluster lives under $ATRIUM_HOME/pg and, when we are root, runs
# as the `postgres` OS user (initdb and postgres refuse to run as root). That
# user must be able to traverse every directory from / down to the cluster, or
# initdb fails with an unhelpful "could not change directory". The Swift code
# creates .atrium/pg and chowns it; here we make sure the parents can be
# traversed (o+x only: nothing becomes readable or listable for others).
ensure_postgres_user_access() {
    local root dirs=() dir path component parts=()
    root="$(atrium_root)"
    [[ $EUID -eq 0 ]] || return 0 # not root: the cluster runs as us
    id postgres >/dev/null 2>&1 || die "OS user 'postgres' does not exist (is the postgresql package installed?)"

    mkdir -p "$root/.atrium"
    dirs=("$root/.atrium" "${ATRIUM_HOME:-$root/.atrium}" "$@")
    for dir in "${dirs[@]}"; do
        mkdir -p "$dir"
        dir="$(cd "$dir" && pwd -P)"
        # Fast path: one check for the whole chain.
        runuser -u postgres -- test -x "$dir" && continue
        path=""
        IFS='/' read -r -a parts <<<"${dir#/}"
        for component in "${parts[@]}"; do
            path="$path/$component"
            if ! runuser -u postgres -- test -x "$path"; then
                say "allowing the postgres user to traverse $path (chmod o+x)"
                chmod o+x "$path"
            fi
        done
    done
}

# Puts a Swift toolchain on PATH: the one already there, else the one a fresh
# machine has in /opt/swift.
ensure_swift() {
    command -v swift >/dev/null 2>&1 && return 0
    if [[ -x /opt/swift/usr/bin/swift ]]; then
        export PATH="/opt/swift/usr/bin:$PATH"
        return 0
    fi
    die "no swift toolchain: not on PATH and not at /opt/swift/usr/bin/swift"
}

# swift_build [debug|release] [EXTRA SWIFT BUILD ARGS...]
swift_build() {
    local config="${1:-debug}"
    shift || true
    ensure_swift
    case "$config" in
    debug) ;;
    release) set -- -c release "$@" ;;
    *) die "swift_build: unknown configuration '$config' (expected debug or release)" ;;
    esac
    say "swift build ($config)"
    (cd "$(atrium_root)" && swift build "$@") || die "swift build ($config) failed"
}

# atrium_bin [debug|release]
# Prints the path of the built executable; ATRIUM_BIN overrides (e.g. an
# installed /opt/atrium/bin/atrium).
atrium_bin() {
    if [[ -n "${ATRIUM_BIN:-}" ]]; then
        printf '%s\n' "$ATRIUM_BIN"
    else
        printf '%s/.build/%s/atrium\n' "$(atrium_root)" "${1:-debug}"
    fi
}

# require_atrium_bin [debug|release]: like atrium_bin, but fails clearly when
# the executable has not been built.
require_atrium_bin() {
    local bin
    bin="$(atrium_bin "$@")"
    [[ -x "$bin" ]] || die "$bin not found: build first (swift build${1:+ -c $1}) or set ATRIUM_BIN"
    printf '%s\n' "$bin"
}

# True when something accepts connections for the given URL or conninfo.
pg_ready() {
    pg_isready -q -d "$1" >/dev/null 2>&1
}

# parse_db_url URL
# Splits postgres://user:pass@host:port/db?params into DB_USER DB_PASS DB_HOST
# DB_PORT DB_NAME (percent-decoded). psql and friends take the URL as is; this
# is for tools that need the parts (pgbouncer config, role names).
parse_db_url() {
    local url="$1" rest userinfo hostport
    [[ "$url" =~ ^postgres(ql)?:// ]] || die "not a postgres:// URL: ${url%%:*}://..."
    rest="${url#*://}"
    rest="${rest%%\?*}"
    if [[ "$rest" == *@* ]]; then
        userinfo="${rest%@*}"
        rest="${rest##*@}"
    else
        userinfo=""
    fi
    hostport="${rest%%/*}"
    if [[ "$rest" == */* ]]; then DB_NAME="${rest#*/}"; else DB_NAME=""; fi
    DB_USER="${userinfo%%:*}"
    if [[ "$userinfo" == *:* ]]; then DB_PASS="${userinfo#*:}"; else DB_PASS=""; fi
    if [[ "$hostport" == *:* ]]; then
        DB_HOST="${hostport%:*}"
        DB_PORT="${hostport##*:}"
    else
        DB_HOST="$hostport"
        DB_PORT=5432
    fi
    DB_USER="$(url_decode "$DB_USER")"
    DB_PASS="$(url_decode "$DB_PASS")"
    DB_NAME="$(url_decode "${DB_NAME:-$DB_USER}")"
    DB_HOST="${DB_HOST:-127.0.0.1}"
    export DB_USER DB_PASS DB_HOST DB_PORT DB_NAME
}

url_decode() {
    # Double any backslash first so printf %b only expands our \xHH escapes.
    local s="${1//\\/\\\\}"
    printf '%b' "${s//%/\\x}"
}

# True for names we are willing to splice into SQL or file names
# (schema, role, slug): lowercase identifier characters only.
is_simple_identifier() {
    [[ "$1" =~ ^[a-z_][a-z0-9_]{0,62}$ ]]
}

# Elapsed milliseconds since a `date +%s%N` timestamp.
ms_since() {
    local now
    now="$(date +%s%N)"
    echo $(((now - $1) / 1000000))
}
