# shellcheck shell=bash
# The fleet's consumer processes under supervisord: one program per process, named
# <context>-<n>, their counts from ops/fleet.conf (or AIRFLEET_PROCESSES_<CONTEXT>), each
# restarted with a growing pause if it keeps dying, and stopped with SIGTERM and time enough to
# drain. One program per process (not one program with numprocs) is what lets ops/scale add or
# remove a process without restarting its siblings: supervisorctl update restarts a changed
# program, and an added or removed one changes nothing else. The same supervisord runs the HTTP ingress. Logs per process under <state>/logs/.
# Requires common.sh.

_fleet_dir() { printf '%s/supervisor' "$1"; }

# The plan file: the process count of each context as last applied (by ops/up or ops/scale).
_fleet_plan_file() { printf '%s/plan' "$(_fleet_dir "$1")"; }

# Prints "context count" lines: ops/fleet.conf (or the file AIRFLEET_FLEET_CONF names), with
# the environment's overrides applied.
fleet_plan() {
    local line context count override conf=${AIRFLEET_FLEET_CONF:-$OPS_DIR/fleet.conf}
    [[ -r $conf ]] || die "cannot read the fleet's process counts from $conf"
    while IFS= read -r line; do
        line=${line%%#*}
        line=${line//[[:space:]]/}
        [[ -n $line ]] || continue
        [[ $line =~ ^([a-z][a-z0-9-]*)=([0-9]+)$ ]] || die "$conf: '$line' is not <context>=<count>"
        context=${BASH_REMATCH[1]}
        count=${BASH_REMATCH[2]}
        override="AIRFLEET_PROCESSES_$(tr 'a-z-' 'A-Z_' <<<"$context")"
        count=${!override:-$count}
        [[ $count =~ ^[0-9]+$ ]] || die "$override: '$count' is not a process count"
        printf '%s %s\n' "$context" "$count"
    done <"$conf"
}

# Prints the plan in effect (what ops/up or ops/scale last applied), or nothing.
fleet_current_plan() {
    local file
    file=$(_fleet_plan_file "$1")
    [[ -r $file ]] && cat "$file"
    return 0
}

# Whole seconds of an airfleet duration (500ms, 30s, 2m, 1h, or bare seconds), rounded up.
_fleet_seconds() {
    local text=$1
    case $text in
        *ms) printf '%d' $(((${text%ms} + 999) / 1000)) ;;
        *s) printf '%d' "${text%s}" ;;
        *m) printf '%d' $((${text%m} * 60)) ;;
        *h) printf '%d' $((${text%h} * 3600)) ;;
        *) printf '%d' "$text" ;;
    esac
}

# How long supervisord waits for a stopped process before SIGKILL: the process's own drain
# timeout (AIRFLEET_DRAIN_TIMEOUT, 30 s by default) and ten seconds to close and exit.
fleet_stop_wait() {
    local drain=${AIRFLEET_DRAIN_TIMEOUT:-30s}
    [[ $drain =~ ^[0-9]+(ms|s|m|h)?$ ]] || die "AIRFLEET_DRAIN_TIMEOUT: '$drain' is not a duration such as 30s or 2m"
    printf '%d' $(($(_fleet_seconds "$drain") + 10))
}

# Where process <context>-<n> serves its metrics: a port of its own that stays the same when
# this or another context is scaled, so that supervisord restarts no other process and
# Prometheus keeps its targets. Each context of ops/fleet.conf, in its order, has a hundred
# ports from AIRFLEET_METRICS_BASE_PORT (default 9100): customers 9100-9199, flights 9200-9299, …
# Usage: fleet_metrics_port CONTEXT N
fleet_metrics_port() {
    local context=$1 n=$2 slot
    slot=$(fleet_plan | awk -v c="$context" '$1 == c { print NR - 1; found = 1 } END { if (!found) print -1 }')
    ((slot >= 0)) || die "context '$context' is not in ${AIRFLEET_FLEET_CONF:-$OPS_DIR/fleet.conf}, which orders the metrics ports"
    ((n <= 100)) || die "$context-$n: a context has metrics ports for 100 processes"
    printf '%d' $((${AIRFLEET_METRICS_BASE_PORT:-9100} + slot * 100 + n - 1))
}

# The Prometheus targets of the plan read from standard input, for a file_sd_configs entry
# (ops/prometheus.yml): each consumer process's metrics port and the ingress's own /metrics.
_fleet_write_targets() {
    local state=$1 context count n
    mkdir -p "$state/prometheus"
    {
        printf '[\n'
        while read -r context count; do
            [[ -n $context && ${AIRFLEET_METRICS_PORT:-} != off ]] || continue
            for ((n = 1; n <= count; n++)); do
                printf '  {"targets": ["127.0.0.1:%s"], "labels": {"context": "%s", "process": "%s-%d"}},\n' \
                    "$(fleet_metrics_port "$context" "$n")" "$context" "$context" "$n"
            done
        done
        printf '  {"targets": ["127.0.0.1:%s"], "labels": {"context": "ingress", "process": "ingress"}}\n]\n' "$AIRFLEET_HTTP_PORT"
    } >"$state/prometheus/targets.json.new"
    mv "$state/prometheus/targets.json.new" "$state/prometheus/targets.json"
}

# Writes supervisord.conf for a plan read from standard input ("context count" lines) and
# keeps that plan as the one in effect. Usage: fleet_plan | fleet_write_config STATE BINARY
fleet_write_config() {
    local state=$1 binary=$2 dir context count n stop_wait plan
    dir=$(_fleet_dir "$state")
    mkdir -p "$dir/backoff" "$state/logs"
    stop_wait=$(fleet_stop_wait)
    plan=$(cat)
    {
        printf '; Written by ops/up and ops/scale from ops/fleet.conf; edits are overwritten.\n'
        printf '[unix_http_server]\nfile=%s/supervisor.sock\nchmod=0700\n\n' "$dir"
        printf '[supervisord]\npidfile=%s/supervisord.pid\nlogfile=%s/logs/supervisord.log\n' "$dir" "$state"
        printf 'childlogdir=%s/logs\nnodaemon=false\nminfds=4096\n\n' "$state"
        printf '[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n'
        printf '[supervisorctl]\nserverurl=unix://%s/supervisor.sock\n\n' "$dir"
        while read -r context count; do
            [[ -n $context ]] || continue
            for ((n = 1; n <= count; n++)); do
                printf '[program:%s-%d]\n' "$context" "$n"
                # The launcher pauses before a process that keeps dying young, then execs it.
                printf 'command=%s %s/backoff/%s-%d %s consume %s\n' \
                    "$OPS_DIR/lib/supervised" "$dir" "$context" "$n" "$binary" "$context"
                # SIGTERM drains: finish what is in hand, acknowledge, exit 0.
                [[ ${AIRFLEET_METRICS_PORT:-} == off ]] ||
                    printf 'environment=AIRFLEET_METRICS_PORT="%s"\n' "$(fleet_metrics_port "$context" "$n")"
                printf 'stopsignal=TERM\nstopwaitsecs=%d\nstopasgroup=true\nkillasgroup=true\n' "$stop_wait"
                # startsecs=0: supervisord never gives a process up as FATAL; the launcher's
                # pause is the backoff.
                printf 'autostart=true\nautorestart=true\nstartsecs=0\n'
                printf 'stdout_logfile=%s/logs/%s-%d.log\nredirect_stderr=true\n' "$state" "$context" "$n"
                printf 'stdout_logfile_maxbytes=20MB\nstdout_logfile_backups=3\n\n'
            done
        done <<<"$plan"
        # One HTTP ingress on AIRFLEET_HTTP_PORT (it binds the port, so one per machine);
        # SIGTERM lets requests in flight finish.
        printf '[program:ingress]\ncommand=%s %s/backoff/ingress %s ingress\n' "$OPS_DIR/lib/supervised" "$dir" "$binary"
        printf 'stopsignal=TERM\nstopwaitsecs=20\nstopasgroup=true\nkillasgroup=true\n'
        printf 'autostart=true\nautorestart=true\nstartsecs=0\n'
        printf 'stdout_logfile=%s/logs/ingress.log\nredirect_stderr=true\n' "$state"
        printf 'stdout_logfile_maxbytes=20MB\nstdout_logfile_backups=3\n\n'
    } >"$dir/supervisord.conf"
    printf '%s\n' "$plan" >"$(_fleet_plan_file "$state")"
    printf '%s\n' "$binary" >"$dir/binary"
    _fleet_write_targets "$state" <<<"$plan"
}

fleet_pid() { live_pid_from_file "$(_fleet_dir "$1")/supervisord.pid" supervisord; }
_fleet_running() { fleet_pid "$1" >/dev/null; }

_fleet_ctl() {
    local state=$1
    shift
    supervisorctl -c "$(_fleet_dir "$state")/supervisord.conf" "$@"
}

# Starts supervisord for the plan of ops/fleet.conf, or makes a running one take it; programs
# whose settings did not change keep running. Usage: fleet_start STATE BINARY
fleet_start() {
    local state=$1 binary=$2
    fleet_plan | fleet_write_config "$state" "$binary"
    if [[ -z $(fleet_plan | awk '$2 > 0') ]]; then
        ok "no consumer processes to run (ops/fleet.conf lists none)"
        return 0
    fi
    if fleet_pid "$state" >/dev/null; then
        _fleet_ctl "$state" update >/dev/null || die "supervisorctl update failed"
        ok "fleet already supervised; configuration applied"
    else
        (close_inherited_fds; exec supervisord -c "$(_fleet_dir "$state")/supervisord.conf") </dev/null >/dev/null 2>&1 ||
            die "supervisord did not start; see $state/logs/supervisord.log"
        wait_for "supervisord" 15 "$state/logs/supervisord.log" '' _fleet_running "$state" || die "the fleet did not start"
    fi
    sleep 3
    _fleet_ctl "$state" status >&2 || true
}

# Prints "context consumers" for the contexts named, as the broker counts them (airfleet status).
_fleet_consumers() {
    local binary=$1 context arguments=()
    shift
    for context in "$@"; do arguments+=(--context "$context"); done
    "$binary" status --json "${arguments[@]}" </dev/null 2>/dev/null |
        jq -r '"\(.context) \(.consumers)"' || true
}

# The last error a process wrote to its log (or its last lines when none says error).
_fleet_last_error() {
    local log=$1 line
    [[ -r $log ]] || { info "(no log at $log)"; return 0; }
    line=$(grep -v '^supervised:' "$log" | grep -iE 'error|critical|fatal|usage' | tail -n 1)
    if [[ -n $line ]]; then info "$line"; else show_log_tail "$log" 5; fi
    info "(log: $log)"
}

# Waits until every process of the plan in effect consumes: its context's queue counts one
# consumer per process. A process whose launcher saw it exit young twice in a row since SINCE
# (epoch seconds) keeps failing: the wait fails at once with that process's last error.
# Usage: fleet_wait_consuming STATE BINARY SECONDS SINCE
fleet_wait_consuming() {
    local state=$1 binary=$2 seconds=$3 since=$4 plan deadline context count consumers n started runs waiting
    plan=$(fleet_current_plan "$state" | awk '$2 > 0')
    [[ -n $plan ]] || return 0
    deadline=$(($(now_us) + seconds * 1000000))
    while true; do
        local -A counted=()
        while read -r context consumers; do
            counted[$context]=$consumers
        done < <(_fleet_consumers "$binary" $(awk '{ print $1 }' <<<"$plan"))
        waiting=()
        while read -r context count; do
            ((${counted[$context]:-0} >= count)) || waiting+=("$context ${counted[$context]:-0} of $count")
        done <<<"$plan"
        ((${#waiting[@]} > 0)) || return 0
        while read -r context count; do
            for ((n = 1; n <= count; n++)); do
                read -r started runs 2>/dev/null <"$(_fleet_dir "$state")/backoff/$context-$n" || continue
                if ((started >= since && runs >= 2)); then
                    fail "$context-$n keeps exiting at start ($runs times in a row); its last error:"
                    _fleet_last_error "$state/logs/$context-$n.log"
                    return 1
                fi
            done
        done <<<"$plan"
        if (($(now_us) > deadline)); then
            fail "not every process consumes after $seconds s (consumers: $(IFS=,; printf '%s' "${waiting[*]}"))"
            for entry in "${waiting[@]}"; do _fleet_last_error "$state/logs/${entry%% *}-1.log"; done
            return 1
        fi
        sleep 0.5
    done
}

# Changes one context's process count under the running supervisord; the other contexts, and
# the processes of this one that stay, keep running. A removed process is stopped with SIGTERM
# and drains; supervisorctl update waits for it. Usage: fleet_scale STATE CONTEXT COUNT
fleet_scale() {
    local state=$1 context=$2 count=$3 binary plan known
    fleet_pid "$state" >/dev/null || die "the fleet is not running under supervisord in $state (ops/up starts it)"
    binary=$(cat "$(_fleet_dir "$state")/binary" 2>/dev/null) || die "$(_fleet_dir "$state")/binary is missing; run ops/up once"
    plan=$(fleet_current_plan "$state")
    known=$( (printf '%s\n' "$plan"; fleet_plan) | awk 'NF { print $1 }' | sort -u | tr '\n' ' ')
    [[ " $known" == *" $context "* ]] || die "unknown context '$context' (known: ${known% })"
    { printf '%s\n' "$plan" | awk -v c="$context" -v n="$count" 'NF && $1 != c { print } $1 == c { print c, n; done = 1 } END { if (!done) print c, n }'; } |
        fleet_write_config "$state" "$binary"
    _fleet_ctl "$state" update >/dev/null || die "supervisorctl update failed"
    _fleet_ctl "$state" status | awk -v c="$context" 'index($1, c "-") == 1' >&2 || true
}

# Stops every consumer (each drains on SIGTERM), then supervisord. Usage: fleet_stop STATE
fleet_stop() {
    local state=$1 pid
    pid=$(fleet_pid "$state") || { ok "fleet not running"; return 0; }
    step "Stopping the fleet (each process drains on SIGTERM)"
    _fleet_ctl "$state" shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" $(($(fleet_stop_wait) + 20)) supervisord
    ok "fleet stopped"
}

fleet_status() {
    local state=$1
    fleet_pid "$state" >/dev/null || { echo "fleet: not running"; return 0; }
    _fleet_ctl "$state" status
}
