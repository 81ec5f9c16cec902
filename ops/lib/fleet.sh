# shellcheck shell=bash
# The fleet's consumer processes under supervisord: one program per context, its process count
# from ops/fleet.conf (or AIRFLEET_PROCESSES_<CONTEXT>), each process restarted if it dies and
# stopped with SIGTERM, so it drains before it exits; and the HTTP ingress. Logs per process
# under <state>/logs/.
# Requires common.sh.

_fleet_dir() { printf '%s/supervisor' "$1"; }

# Prints "context count" lines: ops/fleet.conf, with the environment's overrides applied.
fleet_plan() {
    local line context count override
    while IFS= read -r line; do
        line=${line%%#*}
        line=${line//[[:space:]]/}
        [[ -n $line ]] || continue
        [[ $line =~ ^([a-z][a-z0-9-]*)=([0-9]+)$ ]] || die "ops/fleet.conf: '$line' is not <context>=<count>"
        context=${BASH_REMATCH[1]}
        count=${BASH_REMATCH[2]}
        override="AIRFLEET_PROCESSES_$(tr 'a-z-' 'A-Z_' <<<"$context")"
        count=${!override:-$count}
        [[ $count =~ ^[0-9]+$ ]] || die "$override: '$count' is not a process count"
        printf '%s %s\n' "$context" "$count"
    done <"$OPS_DIR/fleet.conf"
}

# Writes supervisord.conf for the plan. Usage: fleet_write_config STATE BINARY
fleet_write_config() {
    local state=$1 binary=$2 dir context count
    dir=$(_fleet_dir "$state")
    mkdir -p "$dir" "$state/logs"
    {
        printf '; Written by ops/up from ops/fleet.conf; edits are overwritten.\n'
        printf '[unix_http_server]\nfile=%s/supervisor.sock\nchmod=0700\n\n' "$dir"
        printf '[supervisord]\npidfile=%s/supervisord.pid\nlogfile=%s/logs/supervisord.log\n' "$dir" "$state"
        printf 'childlogdir=%s/logs\nnodaemon=false\nminfds=4096\n\n' "$state"
        printf '[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n'
        printf '[supervisorctl]\nserverurl=unix://%s/supervisor.sock\n\n' "$dir"
        while read -r context count; do
            ((count > 0)) || continue
            printf '[program:%s]\n' "$context"
            printf 'command=%s consume %s\n' "$binary" "$context"
            printf 'process_name=%%(program_name)s-%%(process_num)d\nnumprocs=%d\n' "$count"
            # SIGTERM drains (finish what is in hand, acknowledge, exit 0); the drain timeout is 30 s.
            printf 'stopsignal=TERM\nstopwaitsecs=40\nstopasgroup=true\n'
            printf 'autostart=true\nautorestart=true\nstartsecs=2\nstartretries=20\n'
            printf 'stdout_logfile=%s/logs/%%(program_name)s-%%(process_num)d.log\nredirect_stderr=true\n' "$state"
            printf 'stdout_logfile_maxbytes=20MB\nstdout_logfile_backups=3\n\n'
        done < <(fleet_plan)
        # One HTTP ingress on AIRFLEET_HTTP_PORT (it binds the port, so one per machine);
        # SIGTERM lets requests in flight finish.
        printf '[program:ingress]\ncommand=%s ingress\n' "$binary"
        printf 'stopsignal=TERM\nstopwaitsecs=20\nstopasgroup=true\n'
        printf 'autostart=true\nautorestart=true\nstartsecs=2\nstartretries=20\n'
        printf 'stdout_logfile=%s/logs/ingress.log\nredirect_stderr=true\n' "$state"
        printf 'stdout_logfile_maxbytes=20MB\nstdout_logfile_backups=3\n\n'
    } >"$dir/supervisord.conf"
}

fleet_pid() { live_pid_from_file "$(_fleet_dir "$1")/supervisord.pid" supervisord; }
_fleet_running() { fleet_pid "$1" >/dev/null; }

# Starts supervisord for the plan, or makes a running one take the new config.
# Usage: fleet_start STATE BINARY
fleet_start() {
    local state=$1 binary=$2 dir
    dir=$(_fleet_dir "$state")
    fleet_write_config "$state" "$binary"
    if [[ -z $(fleet_plan | awk '$2 > 0') ]]; then
        ok "no consumer processes to run (ops/fleet.conf lists none)"
        return 0
    fi
    if fleet_pid "$state" >/dev/null; then
        supervisorctl -c "$dir/supervisord.conf" update >/dev/null || die "supervisorctl update failed"
        ok "fleet already supervised; configuration applied"
    else
        (close_inherited_fds; exec supervisord -c "$dir/supervisord.conf") </dev/null >/dev/null 2>&1 ||
            die "supervisord did not start; see $state/logs/supervisord.log"
        wait_for "supervisord" 15 "$state/logs/supervisord.log" '' _fleet_running "$state" || die "the fleet did not start"
    fi
    sleep 3
    supervisorctl -c "$dir/supervisord.conf" status >&2 || true
}

# Stops every consumer (each drains on SIGTERM), then supervisord. Usage: fleet_stop STATE
fleet_stop() {
    local state=$1 dir pid
    dir=$(_fleet_dir "$state")
    pid=$(fleet_pid "$state") || { ok "fleet not running"; return 0; }
    step "Stopping the fleet (each process drains on SIGTERM)"
    supervisorctl -c "$dir/supervisord.conf" shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" 60 supervisord
    ok "fleet stopped"
}

fleet_status() {
    local state=$1
    fleet_pid "$state" >/dev/null || { echo "fleet: not running"; return 0; }
    supervisorctl -c "$(_fleet_dir "$state")/supervisord.conf" status
}
