# shellcheck shell=bash
# A local RabbitMQ cluster of N nodes under a state folder. Source common.sh and rabbitmq.sh first.
#
# rabbitmq_cluster_start STATE PORT N   rabbitmq_cluster_stop STATE PORT   rabbitmq_cluster_size STATE
# rabbitmq_cluster_url URL STATE        rabbitmq_cluster_node_states STATE
# rabbitmq_cluster_node_state STATE I   rabbitmq_cluster_node_start STATE PORT I
# rabbitmq_cluster_node_number STATE NODE_NAME  rabbitmq_cluster_rebalance STATE PORT
#
# Node 1 is the node of rabbitmq.sh (STATE/rabbitmq, AMQP port P). Node i of 2..N is a node of
# rabbitmq.sh too, in the state folder STATE/rabbitmq-cluster/node-i, on AMQP port P+i-1 (its
# management and distribution ports follow from it as for node 1). Every node registers with
# node 1's private epmd (P-1000) and carries node 1's Erlang cookie, so that they can join.
# STATE/rabbitmq-cluster/size holds N.

_rmq_cluster_dir() { printf '%s/rabbitmq-cluster' "$1"; }

# N as ops/up last set it (1 when it never made a cluster).
rabbitmq_cluster_size() {
    local file
    file="$(_rmq_cluster_dir "$1")/size"
    if [[ -s $file ]]; then cat "$file"; else echo 1; fi
}

# The state folders of nodes 2..N, a line each.
rabbitmq_cluster_node_states() {
    local state=$1 i size
    size=$(rabbitmq_cluster_size "$state")
    for ((i = 2; i <= size; i++)); do printf '%s/node-%s\n' "$(_rmq_cluster_dir "$state")" "$i"; done
}

# The state folder of node I (1 is STATE itself).
rabbitmq_cluster_node_state() {
    if (($2 == 1)); then printf '%s' "$1"; else printf '%s/node-%s' "$(_rmq_cluster_dir "$1")" "$2"; fi
}

# Starts node I again after it stopped or died (it is in the cluster already).
rabbitmq_cluster_node_start() {
    local state=$1 port=$2 i=$3
    if ((i == 1)); then
        rabbitmq_start "$state" "$port"
    else
        RABBITMQ_EPMD_PORT=$((port - 1000)) rabbitmq_start "$(rabbitmq_cluster_node_state "$state" "$i")" "$((port + i - 1))"
    fi
}

# The number (1..N) of the node of that Erlang node name, or nothing.
rabbitmq_cluster_node_number() {
    local state=$1 name=$2 i size
    size=$(rabbitmq_cluster_size "$state")
    for ((i = 1; i <= size; i++)); do
        [[ $(rabbitmq_node_name "$(rabbitmq_cluster_node_state "$state" "$i")") == "$name" ]] && { printf '%s' "$i"; return 0; }
    done
    return 1
}

# The comma-separated URLs of every node: URL with its port replaced by each node's.
rabbitmq_cluster_url() {
    local url=$1 state=$2 port i size list=''
    port=$(url_port "$url")
    size=$(rabbitmq_cluster_size "$state")
    for ((i = 1; i <= size; i++)); do
        list+="${list:+,}${url/:$port/:$((port + i - 1))}"
    done
    printf '%s' "$list"
}

# Starts nodes 2..N beside the running node 1 and joins them to it; the quorum queues get a
# member on every node. Harmless when they already run and belong.
rabbitmq_cluster_start() {
    local state=$1 port=$2 size=$3
    [[ $size =~ ^[1-9]$ ]] || die "--brokers must be 1 to 9, not '$size'"
    # Stopping nodes would leave the quorum queues' members on them behind, a majority of
    # them with three nodes going to one: the cluster only grows here.
    (($(rabbitmq_cluster_size "$state") <= size)) ||
        die "$state runs a RabbitMQ cluster of $(rabbitmq_cluster_size "$state") nodes; it does not shrink to $size (ops/down --purge, then ops/up --brokers $size, starts over)"
    mkdir -p "$(_rmq_cluster_dir "$state")"
    printf '%s\n' "$size" >"$(_rmq_cluster_dir "$state")/size"
    ((size > 1)) || return 0
    [[ -s "$(_rmq_dir "$state")/home/.erlang.cookie" ]] ||
        die "node 1 has no Erlang cookie under $(_rmq_dir "$state")/home: is RabbitMQ running under $state?"
    _rmq_cluster_each "$state" "$port" _rmq_join_node "$state"
}

# Starts one node with node 1's cookie and joins it to node 1 unless it already belongs.
# Usage: _rmq_join_node FIRST_STATE NODE_STATE NODE_PORT NODE_NUMBER
_rmq_join_node() {
    local state=$1 node_state=$2 node_port=$3 i=$4 first
    first=$(rabbitmq_node_name "$state")
    make_state_dir "$node_state"
    mkdir -p "$(_rmq_dir "$node_state")/home"
    install -m 400 "$(_rmq_dir "$state")/home/.erlang.cookie" "$(_rmq_dir "$node_state")/home/.erlang.cookie"
    rabbitmq_start "$node_state" "$node_port" || die "node $i did not start; log $(_rmq_log "$node_state")"
    if rabbitmqctl_in "$node_state" "$node_port" -q cluster_status --formatter json 2>/dev/null |
        jq -e --arg first "$first" '.running_nodes | index($first)' >/dev/null; then
        ok "node $i ($(rabbitmq_node_name "$node_state")) is in the cluster"
        return 0
    fi
    step "Joining node $i ($(rabbitmq_node_name "$node_state")) to $first"
    rabbitmqctl_in "$node_state" "$node_port" -q stop_app >/dev/null &&
        rabbitmqctl_in "$node_state" "$node_port" -q join_cluster "$first" >/dev/null &&
        rabbitmqctl_in "$node_state" "$node_port" -q start_app >/dev/null ||
        die "node $i could not join $first; log $(_rmq_log "$node_state")"
    wait_for "node $i on 127.0.0.1:$node_port" 60 "$(_rmq_log "$node_state")" '' _rmq_ready "$node_port" ||
        die "node $i did not come back after joining; log $(_rmq_log "$node_state")"
    ok "node $i joined"
}

# Runs COMMAND... NODE_STATE NODE_PORT NODE_NUMBER for each of nodes 2..N (as the size file
# says), with node 1's epmd.
_rmq_cluster_each() {
    local state=$1 port=$2 node_state i=1
    shift 2
    export RABBITMQ_EPMD_PORT=$((port - 1000))
    # On descriptor 3: what COMMAND runs (rabbitmq-server, rabbitmqctl) may read standard input.
    while read -r node_state <&3; do
        i=$((i + 1))
        "$@" "$node_state" "$((port + i - 1))" "$i"
    done 3< <(rabbitmq_cluster_node_states "$state")
    unset RABBITMQ_EPMD_PORT
}

# Gives every quorum queue a member on each node (queues declared before the cluster had one).
rabbitmq_cluster_grow() { _rmq_cluster_each "$1" "$2" _rmq_grow_onto; }
_rmq_grow_onto() {
    rabbitmq_queues_in "$1" "$2" -q grow "$(rabbitmq_node_name "$1")" all >/dev/null ||
        warn "could not add node $3 to every quorum queue; see $(_rmq_log "$1")"
}

# Spreads the quorum queues' leaders over the nodes. Declared through one node, they all lead
# there, and that node's death would make every queue elect at once.
rabbitmq_cluster_rebalance() {
    local state=$1 port=$2
    rabbitmq_queues_in "$state" "$port" -q rebalance quorum >/dev/null ||
        warn "could not spread the quorum queues' leaders over the nodes; see $(_rmq_log "$state")"
}

# Stops nodes 2..N (before node 1, whose epmd they use).
rabbitmq_cluster_stop() { _rmq_cluster_each "$1" "$2" _rmq_stop_node; }
_rmq_stop_node() { rabbitmq_stop "$1" "$2"; }

rabbitmq_queues_in() {
    local state=$1 port=$2
    shift 2
    _rmq_env "$state" "$port"
    env "${_RMQ_ENV[@]}" "$RABBITMQ_BIN/rabbitmq-queues" -n "$(rabbitmq_node_name "$state")" "$@"
}
