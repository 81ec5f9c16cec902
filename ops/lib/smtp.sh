# shellcheck shell=bash
# The development SMTP sink (ops/lib/smtp-sink.py) under a state folder. Source common.sh first.
#
# smtp_start STATE PORT   smtp_stop STATE PORT   smtp_status STATE PORT   smtp_restart STATE PORT
#
# Files: STATE/smtp/pid, STATE/smtp/port, STATE/smtp/smtp-sink.log, and the messages in STATE/mail/*.eml.
# AIRFLEET_SMTP_SINK_REJECT (a regex) in the environment of smtp_start makes the sink refuse
# matching recipients with 550 5.1.1.

SMTP_SINK_PYTHON=${SMTP_SINK_PYTHON:-/usr/bin/python3}

_smtp_dir() { printf '%s/smtp' "$1"; }
_smtp_log() { printf '%s/smtp/smtp-sink.log' "$1"; }

smtp_pid() { live_pid_from_file "$(_smtp_dir "$1")/pid" smtp-sink.py; }

# The sink writes its pid file only once it listens.
_smtp_ready() { smtp_pid "$1" >/dev/null && port_open 127.0.0.1 "$2"; }

smtp_start() {
    local state=$1 port=$2 d pid launcher started
    d=$(_smtp_dir "$state")
    check_port_number "$port" "SMTP sink"
    if pid=$(smtp_pid "$state"); then
        ok "SMTP sink already running (pid $pid) on 127.0.0.1:$port"
        return 0
    fi
    "$SMTP_SINK_PYTHON" -c 'import aiosmtpd' 2>/dev/null ||
        die "$SMTP_SINK_PYTHON cannot import aiosmtpd; run ops/bootstrap (package python3-aiosmtpd)"
    require_port_free "$port" "SMTP sink"
    mkdir -p "$d" "$state/mail"
    rm -f "$d/pid"
    printf '%s\n' "$port" >"$d/port"
    step "Starting the SMTP sink on 127.0.0.1:$port (mail to $state/mail)${AIRFLEET_SMTP_SINK_REJECT:+, refusing /$AIRFLEET_SMTP_SINK_REJECT/}"
    started=$(now_us)
    (
        close_inherited_fds
        exec setsid "$SMTP_SINK_PYTHON" "$OPS_DIR/lib/smtp-sink.py" --host 127.0.0.1 --port "$port" \
            --mail-dir "$state/mail" --pid-file "$d/pid"
    ) >>"$(_smtp_log "$state")" 2>&1 </dev/null &
    launcher=$!
    wait_for "SMTP sink on 127.0.0.1:$port" 20 "$(_smtp_log "$state")" "$launcher" _smtp_ready "$state" "$port"
    ok "SMTP sink ready on 127.0.0.1:$port after $(elapsed_since "$started") s (pid $(smtp_pid "$state"))"
}

smtp_stop() {
    local state=$1 port=$2 pid
    port=$(recorded_port "$(_smtp_dir "$state")" "$port")
    if pid=$(smtp_pid "$state"); then
        step "Stopping the SMTP sink (pid $pid, 127.0.0.1:$port)"
        kill -TERM "$pid" 2>/dev/null || true
        wait_gone "$pid" 20 "SMTP sink"
        ok "SMTP sink stopped"
    else
        ok "SMTP sink not running (state $(_smtp_dir "$state"))"
    fi
    rm -f "$(_smtp_dir "$state")/pid"
}

smtp_status() {
    local state=$1 port=$2 pid
    port=$(recorded_port "$(_smtp_dir "$state")" "$port")
    if pid=$(smtp_pid "$state"); then
        echo "SMTP sink: running (pid $pid), smtp://127.0.0.1:$port, mail in $state/mail, log $(_smtp_log "$state")"
    else
        echo "SMTP sink: not running (state $(_smtp_dir "$state"))"
        return 3
    fi
}

smtp_restart() {
    smtp_stop "$1" "$2"
    smtp_start "$1" "$2"
}
