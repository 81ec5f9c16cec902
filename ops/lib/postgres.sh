# shellcheck shell=bash
# A private PostgreSQL instance under a state folder. Source common.sh first.
#
# postgres_start STATE PORT [test]   postgres_stop STATE PORT     postgres_status STATE PORT
# postgres_restart STATE PORT [test] postgres_ensure_database STATE PORT ROLE DATABASE [test]
#
# Files under STATE/postgres/: data/ (the cluster; data/airfleet.conf holds our settings),
# postgres.log, port. TCP on 127.0.0.1 only, no Unix socket; trust authentication from loopback only.
# The `test` profile turns off fsync and synchronous_commit (a crash may lose data: fine for a
# test database that is wiped anyway, never for ops/up).
#
# As root the server runs as the postgres user (PostgreSQL refuses root), otherwise as the
# current user. When the postgres user cannot reach STATE (a home folder of mode 700, say), the
# data lives in /var/tmp/airfleet-postgres-<sum> and STATE/postgres is a symlink to it.

POSTGRES_START_SECONDS=${POSTGRES_START_SECONDS:-60}

postgres_bin_dir() {
    local dir
    for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
        [[ -x $dir/pg_ctl ]] && {
            printf '%s' "$dir"
            return 0
        }
    done
    die "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl); run ops/bootstrap"
}

# STATE/postgres, or where it points when it is a symlink (see _pg_prepare_dir).
_pg_dir() {
    local d="$1/postgres"
    [[ -L $d ]] && d=$(readlink "$d")
    printf '%s' "$d"
}
_pg_log() { printf '%s/postgres.log' "$(_pg_dir "$1")"; }

# Runs a server-side command as the user that owns the cluster.
_pg_as_owner() {
    if ((EUID == 0)); then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

_pg_psql() {
    local port=$1
    shift
    "$(postgres_bin_dir)/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"
}

# Prints the postmaster's pid, or fails.
postgres_pid() { live_pid_from_file "$(_pg_dir "$1")/data/postmaster.pid" postgres; }

# Makes STATE/postgres, owned by the server's user and reachable by it.
_pg_prepare_dir() {
    local state=$1 d alt sum
    d=$(_pg_dir "$state")
    mkdir -p "$d"
    ((EUID == 0)) || return 0
    id postgres >/dev/null 2>&1 || die "the postgres user does not exist; run ops/bootstrap (package postgresql)"
    chown postgres: "$d"
    runuser -u postgres -- test -w "$d" && return 0
    [[ ! -L $state/postgres ]] || die "the postgres user cannot write to $d"
    sum=$(printf '%s' "$state" | cksum)
    alt="/var/tmp/airfleet-postgres-${sum%% *}"
    warn "the postgres user cannot reach $d; keeping PostgreSQL's files in $alt, linked from there"
    rmdir "$d" 2>/dev/null || die "$d is not empty but unreachable by the postgres user"
    mkdir -p "$alt"
    chown postgres: "$alt"
    chmod 700 "$alt"
    ln -s "$alt" "$d"
}

_pg_write_config() {
    local data=$1 port=$2 profile=$3
    {
        printf '# Written by ops/lib/postgres.sh at every start; edits are lost.\n'
        printf "port = %s\n" "$port"
        printf "listen_addresses = '127.0.0.1'\n"
        printf "unix_socket_directories = ''\n"
        printf "max_connections = 200\n"
        printf "log_line_prefix = '%%m [%%p] %%q%%u@%%d '\n"
        printf "log_min_duration_statement = 1000\n"
        # Room for the fleet's working set, so backends do not write out pages themselves, and
        # checkpoints far enough apart that pages are not logged whole again after each.
        printf "shared_buffers = 512MB\n"
        printf "max_wal_size = 4GB\n"
        printf "checkpoint_timeout = 15min\n"
        # What each statement costs: read by ops/bench cost, and by operators in pg_stat_statements.
        printf "shared_preload_libraries = 'pg_stat_statements'\n"
        printf "pg_stat_statements.track = all\n"
        if [[ $profile == test ]]; then
            printf '# test instance only: speed over durability\n'
            printf "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
        fi
    } | _pg_as_owner tee "$data/airfleet.conf" >/dev/null
}

_pg_initdb() {
    local state=$1 d data bin
    d=$(_pg_dir "$state")
    data="$d/data"
    bin=$(postgres_bin_dir)
    step "Initialising a PostgreSQL cluster in $data"
    _pg_as_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        >"$d/initdb.log" 2>&1 || {
        fail "initdb failed; its log: $d/initdb.log"
        show_log_tail "$d/initdb.log"
        return 1
    }
    # Trust from loopback only; no Unix socket is opened, so no `local` line is needed.
    printf '%s\n' \
        '# Written by ops/lib/postgres.sh: trust from loopback only.' \
        'host all all 127.0.0.1/32 trust' \
        'host all all ::1/128 trust' | _pg_as_owner tee "$data/pg_hba.conf" >/dev/null
    printf "\ninclude_if_exists = 'airfleet.conf'\n" | _pg_as_owner tee -a "$data/postgresql.conf" >/dev/null
}

postgres_start() {
    local state=$1 port=$2 profile=${3:-} d data pid started
    d=$(_pg_dir "$state")
    data="$d/data"
    check_port_number "$port" PostgreSQL
    if pid=$(postgres_pid "$state"); then
        ok "PostgreSQL already running (pid $pid) on 127.0.0.1:$port"
        return 0
    fi
    require_port_free "$port" PostgreSQL
    started=$(now_us)
    _pg_prepare_dir "$state"
    d=$(_pg_dir "$state") # it may have become a link
    data="$d/data"
    [[ -s $data/PG_VERSION ]] || _pg_initdb "$state"
    _pg_write_config "$data" "$port" "$profile"
    printf '%s\n' "$port" >"$d/port"

    step "Starting PostgreSQL on 127.0.0.1:$port${profile:+ ($profile profile: fsync off)}"
    # pg_ctl puts the server in a session of its own and, with -w, waits until it accepts
    # connections, or reports that it died.
    (
        close_inherited_fds
        _pg_as_owner "$(postgres_bin_dir)/pg_ctl" -D "$data" -l "$(_pg_log "$state")" \
            -w -t "$POSTGRES_START_SECONDS" start
    ) >"$d/pg_ctl.out" 2>&1 </dev/null || {
        fail "PostgreSQL on 127.0.0.1:$port did not come up within ${POSTGRES_START_SECONDS} s; its log: $(_pg_log "$state")"
        show_log_tail "$(_pg_log "$state")"
        show_log_tail "$d/pg_ctl.out" 5
        return 1
    }
    wait_for "PostgreSQL on 127.0.0.1:$port" 10 "$(_pg_log "$state")" '' port_open 127.0.0.1 "$port"
    ok "PostgreSQL ready on 127.0.0.1:$port after $(elapsed_since "$started") s (pid $(postgres_pid "$state" || echo '?'))"
}

postgres_stop() {
    local state=$1 port=$2 d pid
    d=$(_pg_dir "$state")
    port=$(recorded_port "$d" "$port")
    if pid=$(postgres_pid "$state"); then
        step "Stopping PostgreSQL (pid $pid, 127.0.0.1:$port)"
        # Fast shutdown is SIGINT to the postmaster: it ends sessions and checkpoints.
        kill -INT "$pid" 2>/dev/null || true
        wait_gone "$pid" 60 PostgreSQL
        # The postmaster leads its own process group; its backends end with it.
        end_process_group "$pid" PostgreSQL
        ok "PostgreSQL stopped"
    else
        ok "PostgreSQL not running (state $d)"
    fi
}

postgres_status() {
    local state=$1 port=$2 pid
    port=$(recorded_port "$(_pg_dir "$state")" "$port")
    if pid=$(postgres_pid "$state"); then
        echo "PostgreSQL: running (pid $pid), postgres://127.0.0.1:$port, log $(_pg_log "$state")"
    else
        echo "PostgreSQL: not running (state $(_pg_dir "$state"))"
        return 3
    fi
}

postgres_restart() {
    postgres_stop "$1" "$2"
    postgres_start "$@"
}

_pg_sql_literal() { printf "'%s'" "${1//\'/\'\'}"; }

# Creates the login role and the database it owns, if missing. Names: letters, digits, _ and -.
# The `test` profile also lets the role create roles and end other sessions (CREATEROLE and
# pg_signal_backend), which the tests of reconnection and refused logins need; never for ops/up.
postgres_ensure_database() {
    local port=$2 role=$3 database=$4 profile=${5:-} exists
    [[ $role =~ ^[A-Za-z_][A-Za-z0-9_-]*$ ]] || die "role name '$role' (from the database URL) is not a plain name"
    [[ $database =~ ^[A-Za-z_][A-Za-z0-9_-]*$ ]] || die "database name '$database' (from the database URL) is not a plain name"
    exists=$(_pg_psql "$port" -tAc "SELECT 1 FROM pg_roles WHERE rolname = $(_pg_sql_literal "$role")")
    if [[ $exists != 1 ]]; then
        _pg_psql "$port" -c "CREATE ROLE \"$role\" LOGIN"
        ok "created role $role"
    fi
    exists=$(_pg_psql "$port" -tAc "SELECT 1 FROM pg_database WHERE datname = $(_pg_sql_literal "$database")")
    if [[ $exists != 1 ]]; then
        _pg_psql "$port" -c "CREATE DATABASE \"$database\" OWNER \"$role\""
        ok "created database $database owned by $role"
    fi
    # What each statement costs, for ops/bench cost and for an operator's look (schema public).
    _pg_psql "$port" -d "$database" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
    if [[ $profile == test ]]; then
        _pg_psql "$port" -c "ALTER ROLE \"$role\" CREATEROLE" -c "GRANT pg_signal_backend TO \"$role\""
    fi
}
