# shellcheck shell=bash
# A second local PostgreSQL server, for the contexts that keep their data apart from the others.
# Source common.sh and postgres.sh first.
#
# postgres_servers_start STATE PORT COUNT ROLE DATABASE   postgres_servers_stop STATE PORT
# postgres_servers_count STATE     postgres_servers_each STATE PORT COMMAND...
# postgres_servers_urls URL STATE  (prints AIRFLEET_<CONTEXT>_DATABASE_URL=... lines)
#
# Server 1 is the server of postgres.sh (STATE/postgres, port P). With a count of 2, server 2
# is a server of postgres.sh too, in the state folder STATE/postgres-servers/server-2 on port
# P+1, with the same role and database, and it holds the schemas of POSTGRES_SERVER_2_CONTEXTS.
# STATE/postgres-servers/count holds the count.

# Payments and notifications: the two contexts that talk to the outside world, so the most
# likely to be moved to a server of their own.
POSTGRES_SERVER_2_CONTEXTS=(payments notifications)

_pg_servers_dir() { printf '%s/postgres-servers' "$1"; }
_pg_server_2_state() { printf '%s/server-2' "$(_pg_servers_dir "$1")"; }

# The count as ops/up set it (1 when it never set one).
postgres_servers_count() {
    local file
    file="$(_pg_servers_dir "$1")/count"
    if [[ -s $file ]]; then cat "$file"; else echo 1; fi
}

# Runs COMMAND... SERVER_STATE SERVER_PORT for each server beyond the first.
postgres_servers_each() {
    local state=$1 port=$2
    shift 2
    (($(postgres_servers_count "$state") < 2)) || "$@" "$(_pg_server_2_state "$state")" "$((port + 1))"
}

# Records COUNT (1 or 2) and starts server 2 when it is 2, with ROLE and DATABASE. A state
# folder keeps the count it was first given: the contexts' data lives where it was written.
postgres_servers_start() {
    local state=$1 port=$2 count=$3 role=$4 database=$5 recorded file
    [[ $count =~ ^[12]$ ]] || die "--databases must be 1 or 2, not '$count'"
    file="$(_pg_servers_dir "$state")/count"
    if [[ -s $file ]]; then
        recorded=$(<"$file")
        [[ $recorded == "$count" ]] ||
            die "$state keeps its contexts on $recorded PostgreSQL server(s); their data stays where it was written, so it does not change to $count (ops/down --purge, then ops/up --databases $count, starts over)"
    else
        mkdir -p "$(_pg_servers_dir "$state")"
        printf '%s\n' "$count" >"$file"
    fi
    postgres_servers_each "$state" "$port" _pg_start_server "$role" "$database"
}
_pg_start_server() {
    local role=$1 database=$2 server_state=$3 server_port=$4
    make_state_dir "$server_state"
    postgres_start "$server_state" "$server_port" || die "PostgreSQL server 2 did not start; log $(_pg_log "$server_state")"
    postgres_ensure_database "$server_state" "$server_port" "$role" "$database"
    ok "PostgreSQL server 2 on 127.0.0.1:$server_port holds ${POSTGRES_SERVER_2_CONTEXTS[*]}"
}

postgres_servers_stop() { postgres_servers_each "$1" "$2" postgres_stop; }

# The database URL of each context on server 2, a NAME=URL line each: URL with server 2's port.
postgres_servers_urls() {
    local url=$1 state=$2 port context
    (($(postgres_servers_count "$state") > 1)) || return 0
    port=$(url_port "$url")
    [[ $url == *":$port/"* || $url == *":$port" ]] ||
        die "AIRFLEET_DATABASE_URL ($url) names no port; with two PostgreSQL servers it needs one (postgres://user@host:5432/db)"
    for context in "${POSTGRES_SERVER_2_CONTEXTS[@]}"; do
        printf 'AIRFLEET_%s_DATABASE_URL=%s\n' "${context^^}" "${url/:$port/:$((port + 1))}"
    done
}
