# shellcheck shell=bash
# The cost benchmark of ops/bench: what one confirmed booking costs the fleet. Offers far more
# bookings than the fleet can confirm, lets it work them all off, and divides what each
# component spent meanwhile (CPU seconds from /proc, PostgreSQL's row and transaction counters,
# the broker's message counters) by the bookings confirmed. These ratios stay steady on a
# shared, noisy machine where raw rates do not. Sourced by ops/bench, which defines record,
# bookings_load, psql_fleet, wait_quiet, $out, $BIN_DIR, $ingress and $AMQP_PORT.

# shellcheck source=../lib/rabbitmq.sh
source "$OPS_DIR/lib/rabbitmq.sh"
# shellcheck source=../lib/rabbitmq-cluster.sh
source "$OPS_DIR/lib/rabbitmq-cluster.sh"
# shellcheck source=../lib/postgres-servers.sh
source "$OPS_DIR/lib/postgres-servers.sh"
# shellcheck source=../lib/smtp.sh
source "$OPS_DIR/lib/smtp.sh"

# Clock ticks (user + system) of processes and of the children they waited for, from /proc.
_cost_ticks() {
    local pid
    for pid in "$@"; do
        # After "pid (comm) ", utime, stime, cutime and cstime are the 12th to 15th fields.
        [[ -r /proc/$pid/stat ]] && sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null
    done | awk '{ total += $12 + $13 + $14 + $15 } END { print total + 0 }'
}

# A process and its children.
_cost_family() { printf '%s\n' "$1"; ps -o pid= --ppid "$1" 2>/dev/null; }

# "state port" lines: the fleet's PostgreSQL servers (a second one with ops/up --databases 2).
_cost_postgres_servers() {
    printf '%s %s\n' "$AIRFLEET_STATE_DIR" "$PG_PORT"
    _cost_print_server() { printf '%s %s\n' "$1" "$2"; }
    postgres_servers_each "$AIRFLEET_STATE_DIR" "$PG_PORT" _cost_print_server
}

# "component ticks" lines for the fleet's servers and processes now; the nodes of a broker
# cluster and the servers of the database each count in one sum.
cost_cpu_snapshot() {
    local pid context state port i
    while read -r state port; do
        if pid=$(postgres_pid "$state"); then
            printf 'postgresql %s\n' "$(_cost_ticks $(_cost_family "$pid"))"
        fi
    done < <(_cost_postgres_servers)
    for ((i = 1; i <= $(rabbitmq_cluster_size "$AIRFLEET_STATE_DIR"); i++)); do
        if pid=$(rabbitmq_pid "$(rabbitmq_cluster_node_state "$AIRFLEET_STATE_DIR" "$i")"); then
            printf 'rabbitmq %s\n' "$(_cost_ticks $(_cost_family "$pid"))"
        fi
    done
    ps -eo pid=,args= | awk -v bin="$BIN_DIR/airfleet" '$2 == bin && $3 == "consume" { print $4, $1 }' |
        while read -r context pid; do printf '%s %s\n' "$context" "$(_cost_ticks "$pid")"; done
    printf 'ingress %s\n' "$(_cost_ticks "$ingress")"
    if pid=$(smtp_pid "$AIRFLEET_STATE_DIR"); then
        printf 'smtp-sink %s\n' "$(_cost_ticks "$pid")"
    fi
}

# "application ticks" lines for PostgreSQL's sessions now, by the application_name each process
# gives its sessions (airfleet-bookings, airfleet-payments-sandbox, ...): whose statements the
# server's CPU went to. What no live session spent (autovacuum, the server's own processes,
# sessions gone) is "other".
cost_postgres_snapshot() {
    local pid sessions child name state port
    while read -r state port; do
        pid=$(postgres_pid "$state") || continue
        sessions=$(psql_server "$port" -F ' ' -c "SELECT pid, application_name FROM pg_stat_activity WHERE backend_type = 'client backend'")
        for child in $(_cost_family "$pid"); do
            name=$(awk -v pid="$child" '$1 == pid && $2 != "" { print $2 }' <<<"$sessions")
            printf '%s %s\n' "${name:-other}" "$(_cost_ticks "$child")"
        done
    done < <(_cost_postgres_servers)
}

# "name value" lines: PostgreSQL's counters for the fleet's database (each server's, to be
# summed) and the broker's totals.
cost_counters_snapshot() {
    local state port
    while read -r state port; do
        psql_server "$port" -F ' ' -c "SELECT 'rows-inserted', tup_inserted FROM pg_stat_database WHERE datname = current_database()
                              UNION ALL SELECT 'rows-updated', tup_updated FROM pg_stat_database WHERE datname = current_database()
                              UNION ALL SELECT 'rows-deleted', tup_deleted FROM pg_stat_database WHERE datname = current_database()
                              UNION ALL SELECT 'transactions', xact_commit FROM pg_stat_database WHERE datname = current_database()
                              UNION ALL SELECT 'wal-bytes', wal_bytes FROM pg_stat_wal
                              UNION ALL SELECT 'wal-full-pages', wal_fpi FROM pg_stat_wal"
        # Statements and the server's time inside them (pg_stat_statements, where ops/lib/postgres.sh made it).
        psql_server "$port" -F ' ' -c "SELECT 'statements', sum(calls)::bigint, 'statement-time-ms', round(sum(total_exec_time)::numeric, 1)
                              FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())" \
            2>/dev/null | awk 'NF == 4 { print $1, $2; print $3, $4 }'
    done < <(_cost_postgres_servers)
    psql_fleet -F ' ' -c "SELECT 'confirmed', count(*) FROM bookings.bookings WHERE state = 'confirmed'"
    curl -fsS -u guest:guest "http://127.0.0.1:$((AMQP_PORT + 10000))/api/overview" |
        jq -r '"broker-published \(.message_stats.publish // 0)", "broker-delivered \(.message_stats.deliver_get // 0)"'
}

# Sums "component value" lines per component over two snapshots: "component after-before".
_cost_delta() { # before-file after-file
    awk 'NR == FNR { before[$1] += $2; next } { after[$1] += $2 } END { for (k in after) print k, after[k] - before[k] }' "$1" "$2" | sort
}

# Starts measuring a load into DIR: CPU ticks and PostgreSQL's time now.
cost_begin() { # dir
    mkdir -p "$1"
    cost_cpu_snapshot >"$1/cpu-before"
    cost_postgres_snapshot >"$1/postgres-before"
    psql_fleet -c "SELECT now()" >"$1/start"
}

# Ends the measurement begun in DIR once its load is worked off: prints "component ms" lines of
# CPU per booking confirmed since it began, the SMTP sink apart, then "fleet ms" without the sink.
cost_end() { # dir
    local confirmed
    cost_cpu_snapshot >"$1/cpu-after"
    cost_postgres_snapshot >"$1/postgres-after"
    confirmed=$(psql_fleet -c "SELECT count(*) FROM bookings.bookings
                               WHERE created_at >= '$(cat "$1/start")' AND state = 'confirmed'")
    ((confirmed > 0)) || return 0
    _cost_delta "$1/cpu-before" "$1/cpu-after" |
        awk -v hz="$(getconf CLK_TCK)" -v n="$confirmed" '
            { ms = 1000 * $2 / hz / n; printf "%s %.3f\n", $1, ms; if ($1 != "smtp-sink") fleet += ms }
            END { printf "fleet %.3f\n", fleet }'
    # PostgreSQL's share by whom it served, apart from the fleet's sum, which counts it once.
    _cost_delta "$1/postgres-before" "$1/postgres-after" |
        awk -v hz="$(getconf CLK_TCK)" -v n="$confirmed" '$1 != "psql" { printf "postgresql-for:%s %.3f\n", $1, 1000 * $2 / hz / n }'
}

# Waits until no booking is open. It asks often while the fleet is measured, so it reads only the
# small index of open bookings (their timeout sweep's time) instead of scanning every booking ever made.
_cost_wait_final() {
    local open deadline=$((SECONDS + 1200))
    while ((SECONDS < deadline)); do
        open=$(psql_fleet -c "SELECT count(*) FROM (SELECT FROM bookings.bookings
                              WHERE sweep_at IS NOT NULL AND state IN ('requested', 'seats-held', 'paid') LIMIT 1) AS one")
        ((open == 0)) && return 0
        sleep 2
    done
    warn "bookings of the cost load are still open after 20 minutes; the figures count only those confirmed"
}

run_cost() {
    local run rate=${AIRFLEET_BENCH_COST_RATE:-2000} seconds=10 start dir confirmed span saturation quiet
    [[ -z $quick ]] || seconds=3
    for ((run = 1; run <= runs; run++)); do
        step "cost, run $run of $runs: $rate bookings/s offered for $seconds s, then every one worked off"
        wait_quiet
        dir=$out/cost-$run
        mkdir -p "$dir"
        sleep 1 # PostgreSQL publishes its counters about once a second
        cost_counters_snapshot >"$dir/counters-before"
        cost_begin "$dir"
        start=$(cat "$dir/start")
        "$BIN_DIR/airfleet-load" bookings --port "$PORT" --flights "$out/flights" --connections 256 --rate "$rate" \
            --duration "$seconds" --drain 1 >"$dir/load.log" 2>&1 || warn "the cost load reported a failure; see $dir/load.log"
        _cost_wait_final
        wait_quiet
        # Emails and reminders may lag behind the confirmations: the fleet is done when it is quiet.
        quiet=$(psql_fleet -c "SELECT extract(epoch FROM now() - '$start'::timestamptz)")
        sleep 2 # the last emails, and PostgreSQL's counters
        cost_end "$dir" >"$dir/cpu-per-booking"
        cost_counters_snapshot >"$dir/counters-after"

        # From the first request (the load starts right after $start) to the last confirmation: the
        # ingress and every context are inside that span, whichever of them is the bottleneck.
        read -r confirmed span < <(psql_fleet -F ' ' -c "SELECT count(*), extract(epoch FROM max(confirmed_at) - '$start'::timestamptz)
                                                         FROM bookings.bookings WHERE created_at >= '$start' AND state = 'confirmed'")
        if ((confirmed == 0)); then
            warn "no booking of the cost load was confirmed; see $dir/load.log"
            continue
        fi
        saturation=$(awk -v n="$confirmed" -v s="$span" 'BEGIN { printf "%.1f", (s > 0 ? n / s : 0) }')
        info "$confirmed bookings confirmed in $span s: $saturation confirmed/s"
        record cost "saturation" confirmed/s "$saturation" ">=400"
        record cost "bookings per second until every email is sent" /s \
            "$(awk -v n="$confirmed" -v s="$quiet" 'BEGIN { printf "%.1f", (s > 0 ? n / s : 0) }')"
        local component ms fleet='' sandbox=0
        while read -r component ms; do
            if [[ $component == fleet ]]; then
                fleet=$ms
                record cost "CPU per booking: fleet without the SMTP sink" ms "$ms" "<=4"
            elif [[ $component == postgresql-for:* ]]; then
                [[ $component == postgresql-for:airfleet-payments-sandbox ]] && sandbox=$ms
                record cost "CPU per booking: postgresql for ${component#postgresql-for:}" ms "$ms"
            else
                record cost "CPU per booking: $component" ms "$ms"
            fi
        done <"$dir/cpu-per-booking"
        # The sandbox payment provider keeps its books in the fleet's PostgreSQL, standing in for a
        # provider's own servers as the sink stands in for a mail server: what the fleet costs
        # where a real provider is called is the fleet without either.
        [[ -z $fleet ]] || record cost "CPU per booking: fleet without the SMTP sink and the sandbox provider's books" ms \
            "$(awk -v f="$fleet" -v s="$sandbox" 'BEGIN { printf "%.3f", f - s }')"
        local name value
        while read -r name value; do
            [[ $name == confirmed ]] && continue
            local unit=count
            [[ $name == *-ms ]] && unit=ms
            [[ $name == *-bytes ]] && unit=bytes
            record cost "$name per booking" "$unit" "$(awk -v v="$value" -v n="$confirmed" 'BEGIN { printf "%.3f", v / n }')"
        done < <(_cost_delta "$dir/counters-before" "$dir/counters-after")
    done
}
