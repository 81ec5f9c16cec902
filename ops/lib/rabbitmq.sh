# shellcheck shell=bash
# A private RabbitMQ node under a state folder. Source common.sh first.
#
# rabbitmq_start STATE PORT [test]   rabbitmq_stop STATE PORT     rabbitmq_status STATE PORT
# rabbitmq_restart STATE PORT [test] rabbitmq_restart_app STATE PORT
#
# Ports, from the AMQP port P: management P+10000, Erlang distribution P+20000, and a private
# epmd on P-1000 (so our node never registers with, or leaves behind, a machine-wide epmd).
# Everything listens on 127.0.0.1 only; guest may log in from loopback (RabbitMQ's default).
# Files under STATE/rabbitmq/: rabbitmq.conf, enabled_plugins, pid, launcher.pid, port,
# server.out (stdout), log/rabbitmq.log (the broker's log), mnesia/ (data), home/ (HOME, with
# the Erlang cookie).

RABBITMQ_BIN=${RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}
RABBITMQ_START_SECONDS=${RABBITMQ_START_SECONDS:-120}

_rmq_dir() { printf '%s/rabbitmq' "$1"; }
_rmq_log() { printf '%s/rabbitmq/log/rabbitmq.log' "$1"; }

# Node name from the state folder, so that two instances on one machine never collide.
rabbitmq_node_name() {
    local sum
    sum=$(printf '%s' "$1" | cksum)
    printf 'airfleet-%s@localhost' "${sum%% *}"
}

# Fills the array _RMQ_ENV with the environment of the server and of rabbitmqctl.
_rmq_env() {
    local d port=$2
    d=$(_rmq_dir "$1")
    _RMQ_ENV=(
        "HOME=$d/home"
        "RABBITMQ_NODENAME=$(rabbitmq_node_name "$1")"
        "RABBITMQ_CONFIG_FILE=$d/rabbitmq"
        "RABBITMQ_ADVANCED_CONFIG_FILE=$d/advanced.config"
        "RABBITMQ_CONF_ENV_FILE=$d/rabbitmq-env.conf"
        "RABBITMQ_ENABLED_PLUGINS_FILE=$d/enabled_plugins"
        "RABBITMQ_MNESIA_BASE=$d/mnesia"
        "RABBITMQ_LOG_BASE=$d/log"
        "RABBITMQ_LOGS=$d/log/rabbitmq.log"
        "RABBITMQ_PID_FILE=$d/pid"
        "RABBITMQ_DIST_PORT=$((port + 20000))"
        # No busy waiting: an idle Erlang scheduler spins before it sleeps, which on a machine
        # of a few cores burns CPU the consumers and PostgreSQL need. And schedulers on half the
        # cores: the broker shares them with the fleet, and two schedulers on two busy cores
        # spent a third more CPU a message handing work to each other than one did.
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1} +sbwt none +sbwtdcpu none +sbwtdio none +SP 50:50"
        # The nodes of a local cluster share the first node's epmd (rabbitmq-cluster.sh).
        "ERL_EPMD_PORT=${RABBITMQ_EPMD_PORT:-$((port - 1000))}"
        "ERL_EPMD_ADDRESS=127.0.0.1"
        "ERL_CRASH_DUMP=$d/log/erl_crash.dump"
    )
}

rabbitmqctl_in() {
    local state=$1 port=$2
    shift 2
    _rmq_env "$state" "$port"
    env "${_RMQ_ENV[@]}" "$RABBITMQ_BIN/rabbitmqctl" -n "$(rabbitmq_node_name "$state")" "$@"
}

# Prints the pid of the running node (the Erlang VM), or fails.
rabbitmq_pid() { live_pid_from_file "$(_rmq_dir "$1")/pid" beam; }

_rmq_ready() { port_open 127.0.0.1 "$1" && port_open 127.0.0.1 "$(($1 + 10000))"; }

_rmq_write_config() {
    local d=$1 port=$2 profile=$3
    mkdir -p "$d/mnesia" "$d/log" "$d/home"
    printf '[rabbitmq_management].\n' >"$d/enabled_plugins"
    {
        printf '# Written by ops/lib/rabbitmq.sh at every start; edits are lost.\n'
        printf 'listeners.tcp.local = 127.0.0.1:%s\n' "$port"
        printf 'management.tcp.ip = 127.0.0.1\n'
        printf 'management.tcp.port = %s\n' "$((port + 10000))"
        printf 'loopback_users.guest = true\n'
        printf 'log.console = false\n'
        printf 'log.file.level = info\n'
        if [[ $profile == test ]]; then
            printf '# test instance: queue statistics in the management API refresh faster\n'
            printf 'collect_statistics_interval = 500\n'
        fi
    } >"$d/rabbitmq.conf"
}

rabbitmq_start() {
    local state=$1 port=$2 profile=${3:-} d pid launcher started
    d=$(_rmq_dir "$state")
    check_port_number "$port" "RabbitMQ"
    check_port_number "$((port - 1000))" "RabbitMQ's epmd"
    check_port_number "$((port + 20000))" "RabbitMQ's distribution"
    if pid=$(rabbitmq_pid "$state"); then
        ok "RabbitMQ already running (pid $pid) on 127.0.0.1:$port"
        return 0
    fi
    [[ -x $RABBITMQ_BIN/rabbitmq-server ]] || die "RabbitMQ is not installed ($RABBITMQ_BIN/rabbitmq-server missing); run ops/bootstrap"
    require_port_free "$port" "RabbitMQ (AMQP)"
    require_port_free "$((port + 10000))" "RabbitMQ (management)"
    require_port_free "$((port + 20000))" "RabbitMQ (distribution)"

    step "Starting RabbitMQ on 127.0.0.1:$port (management :$((port + 10000)), node $(rabbitmq_node_name "$state"))"
    started=$(now_us)
    _rmq_write_config "$d" "$port" "$profile"
    printf '%s\n' "$port" >"$d/port"
    rm -f "$d/pid"
    _rmq_env "$state" "$port"
    # setsid: the broker gets a session of its own and outlives this shell.
    (
        close_inherited_fds
        exec env "${_RMQ_ENV[@]}" setsid "$RABBITMQ_BIN/rabbitmq-server"
    ) >"$d/server.out" 2>&1 </dev/null &
    launcher=$!
    printf '%s\n' "$launcher" >"$d/launcher.pid"
    wait_for "RabbitMQ on 127.0.0.1:$port" "$RABBITMQ_START_SECONDS" "$(_rmq_log "$state")" "$launcher" \
        _rmq_ready "$port" || {
        show_log_tail "$d/server.out" 10
        return 1
    }
    ok "RabbitMQ ready on 127.0.0.1:$port after $(elapsed_since "$started") s (pid $(rabbitmq_pid "$state" || echo '?'))"
}

rabbitmq_stop() {
    local state=$1 port=$2 d pid pgid
    d=$(_rmq_dir "$state")
    port=$(recorded_port "$d" "$port") # the private epmd's port derives from it
    # The VM's pid, or, while it is still booting, the pid of its launcher (rabbitmq-server,
    # a shell script that passes SIGTERM on to the VM).
    if pid=$(rabbitmq_pid "$state") || pid=$(live_pid_from_file "$d/launcher.pid" rabbitmq-server); then
        step "Stopping RabbitMQ (pid $pid, 127.0.0.1:$port)"
        pgid=$(process_group_of "$pid" || true)
        # SIGTERM is a graceful shutdown for RabbitMQ (as `rabbitmqctl stop`, without its start-up cost).
        kill -TERM "$pid" 2>/dev/null || true
        wait_gone "$pid" 60 RabbitMQ
        end_process_group "$pgid" RabbitMQ
        ok "RabbitMQ stopped"
    else
        ok "RabbitMQ not running (state $d)"
    fi
    rm -f "$d/pid" "$d/launcher.pid"
    # Our private epmd: `epmd -kill` refuses while a node is still registered with it.
    if [[ -d $d ]] && command -v epmd >/dev/null 2>&1; then
        ERL_EPMD_PORT=$((port - 1000)) ERL_EPMD_ADDRESS=127.0.0.1 epmd -kill >/dev/null 2>&1 || true
    fi
}

rabbitmq_status() {
    local state=$1 port=$2 pid
    port=$(recorded_port "$(_rmq_dir "$state")" "$port")
    if pid=$(rabbitmq_pid "$state"); then
        if _rmq_ready "$port"; then
            echo "RabbitMQ: running (pid $pid), amqp://127.0.0.1:$port, management http://127.0.0.1:$((port + 10000)), log $(_rmq_log "$state")"
        else
            echo "RabbitMQ: process $pid alive but not accepting connections on 127.0.0.1:$port (booting, or app stopped); log $(_rmq_log "$state")"
        fi
    else
        echo "RabbitMQ: not running (state $(_rmq_dir "$state"))"
        return 3
    fi
}

rabbitmq_restart() {
    rabbitmq_stop "$1" "$2"
    rabbitmq_start "$@"
}

# Stops and starts the RabbitMQ application inside the running node (every connection drops;
# durable queues keep their messages), then waits until it accepts connections again. For tests
# of reconnection after a broker restart.
rabbitmq_restart_app() {
    local state=$1 port=$2 pid started
    port=$(recorded_port "$(_rmq_dir "$state")" "$port")
    pid=$(rabbitmq_pid "$state") || die "RabbitMQ is not running under $(_rmq_dir "$state")"
    step "Restarting the RabbitMQ application (node $(rabbitmq_node_name "$state"))"
    started=$(now_us)
    rabbitmqctl_in "$state" "$port" -q stop_app >/dev/null ||
        die "rabbitmqctl stop_app failed; log $(_rmq_log "$state")"
    rabbitmqctl_in "$state" "$port" -q start_app >/dev/null ||
        die "rabbitmqctl start_app failed; log $(_rmq_log "$state")"
    wait_for "RabbitMQ on 127.0.0.1:$port (after start_app)" 60 "$(_rmq_log "$state")" "$pid" \
        _rmq_ready "$port"
    ok "RabbitMQ application restarted in $(elapsed_since "$started") s"
}
