# shellcheck shell=bash
# Shared settings and helpers for the ops/ scripts. Source it; do not run it.
#
# Every setting has the local default of the table in the README (and ops/README.md); a
# value already in the environment wins. Sourcing this file exports them all, so the airfleet
# binary started by a script sees the same values.

# --- Where things are -----------------------------------------------------------------------

OPS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_ROOT=$(cd "$OPS_DIR/.." && pwd)

# A relative AIRFLEET_STATE_DIR is taken from the caller's working directory, before any cd.
AIRFLEET_STATE_DIR=${AIRFLEET_STATE_DIR:-$REPO_ROOT/.airfleet}
case $AIRFLEET_STATE_DIR in
    /*) ;;
    *) AIRFLEET_STATE_DIR="$PWD/$AIRFLEET_STATE_DIR" ;;
esac
AIRFLEET_STATE_DIR=${AIRFLEET_STATE_DIR%/}

# --- Settings (names as in the README) ------------------------------------------------------

AIRFLEET_AMQP_URL=${AIRFLEET_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}
AIRFLEET_DATABASE_URL=${AIRFLEET_DATABASE_URL:-postgres://airfleet@127.0.0.1:5432/airfleet}
AIRFLEET_SMTP_URL=${AIRFLEET_SMTP_URL:-smtp://127.0.0.1:2525}
AIRFLEET_HTTP_PORT=${AIRFLEET_HTTP_PORT:-8080}
AIRFLEET_ADMIN_EMAIL=${AIRFLEET_ADMIN_EMAIL:-admin@airfleet.local}
# AIRFLEET_JWT_SECRET and AIRFLEET_ADMIN_PASSWORD: see load_secrets below.

# ops-only: servers never to start locally even when their URL points at loopback
# (comma-separated: rabbitmq,postgres,smtp). See ops/README.md.
AIRFLEET_EXTERNAL_SERVERS=${AIRFLEET_EXTERNAL_SERVERS:-}

export AIRFLEET_STATE_DIR AIRFLEET_AMQP_URL AIRFLEET_DATABASE_URL AIRFLEET_SMTP_URL \
    AIRFLEET_HTTP_PORT AIRFLEET_ADMIN_EMAIL

# Swift may be installed but not on PATH (this machine kind keeps it in /opt/swift).
if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
    PATH="/opt/swift/usr/bin:$PATH"
    export PATH
fi

# --- Logging ----------------------------------------------------------------------------------
# All log lines go to stderr, so functions may print results on stdout.

if [[ -t 2 && -z ${NO_COLOR:-} ]]; then
    _C_STEP=$'\e[1;34m' _C_OK=$'\e[32m' _C_WARN=$'\e[1;33m' _C_FAIL=$'\e[1;31m' _C_OFF=$'\e[0m'
else
    _C_STEP='' _C_OK='' _C_WARN='' _C_FAIL='' _C_OFF=''
fi

step() { printf '%s==>%s %s\n' "$_C_STEP" "$_C_OFF" "$*" >&2; }
ok() { printf '  %sok%s %s\n' "$_C_OK" "$_C_OFF" "$*" >&2; }
info() { printf '     %s\n' "$*" >&2; }
warn() { printf '%swarning:%s %s\n' "$_C_WARN" "$_C_OFF" "$*" >&2; }
fail() { printf '%serror:%s %s\n' "$_C_FAIL" "$_C_OFF" "$*" >&2; }
die() {
    fail "$@"
    exit 1
}

# Prints the last lines of a log file, indented, so a failure shows its cause.
show_log_tail() {
    local log=$1 lines=${2:-25}
    [[ -r $log ]] || return 0
    printf '     --- last %s lines of %s ---\n' "$lines" "$log" >&2
    tail -n "$lines" "$log" | sed 's/^/     | /' >&2
}

# --- Time -------------------------------------------------------------------------------------

# Microseconds since the epoch (bash 5's EPOCHREALTIME; its separator follows the locale).
now_us() { printf '%s' "${EPOCHREALTIME//[.,]/}"; }

# Seconds since a now_us mark, with one decimal: "12.3".
elapsed_since() {
    local tenths=$((($(now_us) - $1) / 100000))
    printf '%d.%d' $((tenths / 10)) $((tenths % 10))
}

# --- Processes and ports ----------------------------------------------------------------------

# A zombie (exited, not yet reaped) counts as gone.
pid_alive() {
    local stat
    [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null || return 1
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# Reads a pid from a file (first line); prints it if that process is alive. The optional
# second argument must occur in the process's command line (a guard against pid reuse).
live_pid_from_file() {
    local file=$1 expect=${2:-} pid cmdline
    [[ -r $file ]] || return 1
    read -r pid <"$file" || [[ -n ${pid:-} ]] || return 1
    [[ $pid =~ ^[0-9]+$ ]] && pid_alive "$pid" || return 1
    if [[ -n $expect ]]; then
        cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
        [[ $cmdline == *"$expect"* ]] || return 1
    fi
    printf '%s' "$pid"
}

# The process group of a pid (field 5 of /proc/PID/stat, after the parenthesised name).
process_group_of() {
    local stat pgid
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }
    read -r _ _ pgid _ <<<"$stat"
    printf '%s' "$pgid"
}

# Waits until a pid is gone (the caller sent SIGTERM); sends SIGKILL after the deadline.
# Usage: wait_gone PID SECONDS NAME
wait_gone() {
    local pid=$1 seconds=$2 name=$3 deadline killed=''
    deadline=$(($(now_us) + seconds * 1000000))
    while pid_alive "$pid"; do
        if (($(now_us) > deadline)); then
            [[ -z $killed ]] || die "$name (pid $pid) survived SIGKILL"
            warn "$name (pid $pid) did not stop within ${seconds} s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            killed=yes
            deadline=$(($(now_us) + 5000000))
        fi
        sleep 0.1
    done
}

# Prints the pids of the live (not zombie) processes of a process group.
live_group_members() {
    local stat_file stat rest pid state pgid
    for stat_file in /proc/[0-9]*/stat; do
        { read -r stat <"$stat_file"; } 2>/dev/null || continue
        pid=${stat%% *}
        rest=${stat##*) }
        read -r state _ pgid _ <<<"$rest"
        [[ $pgid == "$1" && $state != Z ]] && printf '%s\n' "$pid"
    done
    return 0
}

# Ends what is left of a process group that a server's launcher created with setsid (helper
# processes that outlived the server). Never our own group.
end_process_group() {
    local pgid=$1 name=$2 members
    [[ -n $pgid && $pgid != 0 ]] || return 0
    [[ $pgid != "$(process_group_of $$)" ]] || return 0
    members=$(live_group_members "$pgid")
    [[ -n $members ]] || return 0
    # shellcheck disable=SC2086 # one pid per word
    kill -TERM $members 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        [[ -n $(live_group_members "$pgid") ]] || return 0
        sleep 0.2
    done
    members=$(live_group_members "$pgid")
    warn "leftover processes of $name (group $pgid: ${members//$'\n'/ }) ignored SIGTERM; sending SIGKILL"
    # shellcheck disable=SC2086
    kill -KILL $members 2>/dev/null || true
}

# The port a server was started with (DIR/port, written at start), else the given default:
# a server is stopped and reported with the port it really has, should the settings differ.
recorded_port() {
    local port=''
    [[ -r $1/port ]] && read -r port <"$1/port"
    printf '%s' "${port:-$2}"
}

# Closes every file descriptor above 2 of the current (sub)shell; call it in the subshell that
# launches a server. A server must not inherit its caller's descriptors: a caller that learns
# of its child's exit from a pipe or socket closing (Foundation's Process on Linux does, see
# swift-corelibs-foundation issue 4795) would otherwise wait as long as the server lives.
close_inherited_fds() {
    local fd
    for fd in /proc/"$BASHPID"/fd/*; do
        fd=${fd##*/}
        ((fd > 2)) || continue
        exec {fd}>&- 2>/dev/null || true
    done
}

# Succeeds when something accepts TCP connections at host:port.
port_open() {
    # shellcheck disable=SC2016 # $1 and $2 expand in the inner bash
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# Describes who listens on a local port, when ss can tell.
port_holder() {
    command -v ss >/dev/null 2>&1 || return 0
    ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n 1
}

# Fails with a clear message when a port this server needs is taken by a process not ours.
require_port_free() {
    local port=$1 what=$2 holder
    if port_open 127.0.0.1 "$port"; then
        holder=$(port_holder "$port")
        die "$what: port $port on 127.0.0.1 is already taken by a process ops/ did not start${holder:+ ($holder)}." \
            "Stop that process, or choose other ports (see ops/README.md)."
    fi
}

check_port_number() {
    if ! [[ $1 =~ ^[0-9]+$ ]] || (($1 < 1 || $1 > 65535)); then
        die "$2: port '$1' is not between 1 and 65535"
    fi
}

# wait_for DESCRIPTION SECONDS LOG PID COMMAND...
# Runs COMMAND until it succeeds. Fails with a message naming what did not come up and where
# its log is when the deadline passes, or at once when PID (if not empty) exits first.
wait_for() {
    local what=$1 seconds=$2 log=$3 pid=$4 deadline
    shift 4
    deadline=$(($(now_us) + seconds * 1000000))
    until "$@"; do
        if [[ -n $pid ]] && ! pid_alive "$pid"; then
            fail "$what exited before it came up; its log: $log"
            show_log_tail "$log"
            return 1
        fi
        if (($(now_us) > deadline)); then
            fail "$what did not come up within ${seconds} s; its log: $log"
            show_log_tail "$log"
            return 1
        fi
        sleep 0.2
    done
}

# --- URLs -------------------------------------------------------------------------------------
# Small parsers for scheme://user:password@host:port/path URLs (IPv6 hosts in brackets).

url_scheme() { printf '%s' "${1%%://*}"; }

_url_authority() {
    local rest=${1#*://}
    rest=${rest%%[/?#]*}
    printf '%s' "$rest"
}

url_user() {
    local auth
    auth=$(_url_authority "$1")
    [[ $auth == *@* ]] || return 0
    auth=${auth%@*}
    printf '%s' "${auth%%:*}"
}

_url_hostport() {
    local auth
    auth=$(_url_authority "$1")
    printf '%s' "${auth##*@}"
}

url_host() {
    local hp
    hp=$(_url_hostport "$1")
    if [[ $hp == \[* ]]; then
        hp=${hp#[}
        printf '%s' "${hp%%]*}"
    else
        printf '%s' "${hp%%:*}"
    fi
}

url_port() {
    local hp port=''
    hp=$(_url_hostport "$1")
    if [[ $hp == \[* ]]; then
        [[ $hp == *\]:* ]] && port=${hp##*]:}
    elif [[ $hp == *:* ]]; then
        port=${hp##*:}
    fi
    if [[ -z $port ]]; then
        case $(url_scheme "$1") in
            amqp) port=5672 ;;
            amqps) port=5671 ;;
            postgres | postgresql) port=5432 ;;
            smtp) port=25 ;;
            smtps) port=465 ;;
            http) port=80 ;;
            https) port=443 ;;
            *) die "no port in $1 and no default for its scheme" ;;
        esac
    fi
    printf '%s' "$port"
}

# The first path segment without query: a database name or a virtual host.
url_path_name() {
    local rest=${1#*://}
    [[ $rest == */* ]] || return 0
    rest=${rest#*/}
    printf '%s' "${rest%%[?#]*}"
}

is_loopback_host() {
    case $1 in
        localhost | 127.* | ::1) return 0 ;;
        *) return 1 ;;
    esac
}

# Whether ops/up starts the server behind a URL: only for loopback addresses, and not when the
# server is listed in AIRFLEET_EXTERNAL_SERVERS.
# Usage: is_managed NAME URL   (NAME: rabbitmq, postgres or smtp)
is_managed() {
    local name=$1 url=$2
    [[ ,${AIRFLEET_EXTERNAL_SERVERS// /}, == *",$name,"* ]] && return 1
    # A list of nodes is a cluster someone else runs.
    [[ $url != *,* ]] || return 1
    is_loopback_host "$(url_host "$url")"
}

# --- Secrets ----------------------------------------------------------------------------------

# Prints the content of a secret file, creating it (mode 600) with a fresh random value first.
# Usage: read_or_create_secret FILE KIND   (KIND: hex64, password or base64key)
read_or_create_secret() {
    local file=$1 kind=$2 value
    if [[ ! -s $file ]]; then
        mkdir -p "$(dirname "$file")"
        chmod 700 "$(dirname "$file")"
        case $kind in
            hex64) value=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') ;;
            password) value=$(head -c 18 /dev/urandom | base64 | tr '+/' 'xy') ;;
            base64key) value=$(head -c 32 /dev/urandom | base64) ;;
            *) die "read_or_create_secret: unknown kind $kind" ;;
        esac
        (umask 077 && printf '%s\n' "$value" >"$file.tmp.$$" && mv -f "$file.tmp.$$" "$file")
    fi
    chmod 600 "$file"
    value=$(<"$file")
    printf '%s' "$value"
}

# Sets and exports AIRFLEET_JWT_SECRET, AIRFLEET_ADMIN_PASSWORD and AIRFLEET_WEBHOOK_SECRET_KEY
# (which webhook endpoints' secrets are stored under): from the environment when given there,
# otherwise generated once into $AIRFLEET_STATE_DIR/secrets/.
load_secrets() {
    if [[ -z ${AIRFLEET_JWT_SECRET:-} ]]; then
        AIRFLEET_JWT_SECRET=$(read_or_create_secret "$AIRFLEET_STATE_DIR/secrets/jwt-secret" hex64)
    fi
    if [[ -z ${AIRFLEET_ADMIN_PASSWORD:-} ]]; then
        AIRFLEET_ADMIN_PASSWORD=$(read_or_create_secret "$AIRFLEET_STATE_DIR/secrets/admin-password" password)
    fi
    if [[ -z ${AIRFLEET_WEBHOOK_SECRET_KEY:-} ]]; then
        AIRFLEET_WEBHOOK_SECRET_KEY=$(read_or_create_secret "$AIRFLEET_STATE_DIR/secrets/webhook-secret-key" base64key)
    fi
    export AIRFLEET_JWT_SECRET AIRFLEET_ADMIN_PASSWORD AIRFLEET_WEBHOOK_SECRET_KEY
}

# --- State folders ----------------------------------------------------------------------------

# Creates a state folder and marks it as ours, so that only marked folders are ever deleted.
# Traversable by others (not listable) so that the postgres user can reach its data folder.
make_state_dir() {
    mkdir -p "$1"
    chmod 711 "$1"
    [[ -e $1/.airfleet-state ]] || printf 'state folder of the Airfleet ops scripts\n' >"$1/.airfleet-state"
}

# Deletes a state folder made by make_state_dir (refuses anything else), and the data folder
# a PostgreSQL instance may keep outside it (see postgres.sh).
remove_state_dir() {
    local dir=$1 link
    [[ -e $dir ]] || return 0
    [[ -n $dir && $dir != / && $dir != "$REPO_ROOT" && $dir != "${HOME:-/}" ]] ||
        die "refusing to delete '$dir'"
    [[ -e $dir/.airfleet-state ]] ||
        die "refusing to delete $dir: it has no .airfleet-state marker, so ops/ did not make it"
    while IFS= read -r link; do
        rm -rf -- "$(readlink "$link")"
    done < <(find "$dir" -type l -name postgres -lname '/var/tmp/airfleet-postgres-*')
    rm -rf -- "$dir"
}

# --- Running steps in parallel ----------------------------------------------------------------
# start_job NAME COMMAND...  runs a command in the background, its output to a file;
# finish_job NAME  waits for it, replays its output, and returns its status. JOB_ENDED_US then
# holds the time (now_us) at which the command finished.

declare -A _JOB_PID=() _JOB_OUT=()
# shellcheck disable=SC2034 # read by the scripts
JOB_ENDED_US=0

start_job() {
    local name=$1 out
    shift
    out=$(mktemp "${TMPDIR:-/tmp}/airfleet-$name.XXXXXX")
    ("$@" && now_us >"$out.end") >"$out" 2>&1 </dev/null &
    _JOB_PID[$name]=$!
    _JOB_OUT[$name]=$out
}

finish_job() {
    local name=$1 out=${_JOB_OUT[$1]} status=0
    wait "${_JOB_PID[$name]}" || status=$?
    cat "$out" >&2
    # shellcheck disable=SC2034 # read by the scripts
    JOB_ENDED_US=$(cat "$out.end" 2>/dev/null || now_us)
    rm -f "$out" "$out.end"
    unset "_JOB_PID[$name]" "_JOB_OUT[$name]"
    return "$status"
}

# Waits for every job still running (their output is replayed); for cleanup paths.
finish_all_jobs() {
    local name
    for name in "${!_JOB_PID[@]}"; do
        finish_job "$name" || true
    done
}

# Quotes a word for /bin/sh (POSIX single quotes, only when needed), for command lines handed
# to other programs.
shell_quote() {
    local q="'\\''"
    if [[ $1 =~ ^[A-Za-z0-9_./:@%+=,-]+$ ]]; then
        printf '%s' "$1"
    else
        printf "'%s'" "${1//\'/$q}"
    fi
}

# The swift build options for a configuration, one per line, the same for every build of the
# fleet's binaries (a build with other options starts over). A release build links the Swift
# runtime and Foundation statically: each process then maps only the code it uses, about 5 MB
# less resident memory per process than with the shared libraries.
swift_build_options() { # configuration
    printf '%s\n' -c "$1"
    [[ $1 != release ]] || printf '%s\n' --static-swift-stdlib
}
