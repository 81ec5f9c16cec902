# shellcheck shell=bash
# The cluster benchmark of ops/bench: what a booking costs, and how many the fleet confirms a
# second, with the broker a cluster of three nodes beside a single node. The single node's
# figures are the cost benchmark's on the fleet of ops/up; the three nodes' are the same
# benchmark's on a second fleet, ops/up --brokers 3 in the state folder
# $AIRFLEET_STATE_DIR/bench-cluster on ports CLUSTER_BENCH_PORT_OFFSET above this fleet's, run
# one after the other so that neither load shares the cores with the other. The second fleet is
# stopped afterwards and kept, so that the next run starts it without seeding it again.
# Sourced by ops/bench, which defines record, run_cost, wanted, $results, $runs, $quick, $PORT.

CLUSTER_BENCH_PORT_OFFSET=200
# What the comparison shows: the cost benchmark's figures by these names.
CLUSTER_BENCH_METRICS=("saturation" "CPU per booking: fleet without the SMTP sink" "CPU per booking: rabbitmq")

# The cost figures of one ops/bench results file, as "metric<TAB>value" lines in run order.
_cluster_cost_figures() {
    jq -r --args 'select(.benchmark == "cost" and (.metric | IN($ARGS.positional[]))) | "\(.metric)\t\(.value)"' \
        "${CLUSTER_BENCH_METRICS[@]}" <"$1"
}

# Runs a command with the settings of the second fleet: every port moved up by the offset, and
# nothing derived from this fleet (node list, per-context databases, management API, secrets).
_cluster_bench_env() {
    local offset=$CLUSTER_BENCH_PORT_OFFSET name unset=()
    for name in $(compgen -e | grep -E '^AIRFLEET_([A-Z]+_DATABASE_URL|RABBITMQ_API|JWT_SECRET|ADMIN_PASSWORD)$'); do
        unset+=(-u "$name")
    done
    env "${unset[@]}" AIRFLEET_STATE_DIR="$AIRFLEET_STATE_DIR/bench-cluster" \
        AIRFLEET_AMQP_URL="amqp://guest:guest@127.0.0.1:$((AMQP_PORT + offset))/" \
        AIRFLEET_DATABASE_URL="postgres://${PG_ROLE:-airfleet}@127.0.0.1:$((PG_PORT + offset))/${PG_DATABASE:-airfleet}" \
        AIRFLEET_SMTP_URL="smtp://127.0.0.1:$(($(url_port "$AIRFLEET_SMTP_URL") + offset))" \
        AIRFLEET_HTTP_PORT=$((AIRFLEET_HTTP_PORT + offset)) AIRFLEET_BENCH_PORT=$((PORT + offset)) \
        AIRFLEET_METRICS_BASE_PORT=$((${AIRFLEET_METRICS_BASE_PORT:-9100} + 2000)) "$@"
}

run_cluster() {
    local nodes three one metric value i ratio
    nodes=$(rabbitmq_cluster_size "$AIRFLEET_STATE_DIR")
    ((nodes == 1)) ||
        die "the cluster benchmark sets three broker nodes beside this fleet's one, but this fleet's broker has $nodes nodes"
    # One node: this fleet's cost figures, measured now unless this run measured them already.
    wanted cost || run_cost

    step "cluster: the cost benchmark on a fleet of ops/up --brokers 3 under $AIRFLEET_STATE_DIR/bench-cluster"
    local log=$out/cluster.log status=0
    { _cluster_bench_env "$OPS_DIR/up" --brokers 3 &&
        _cluster_bench_env "$OPS_DIR/bench" --only cost --runs "$runs" ${quick:+--quick}; } </dev/null >"$log" 2>&1 || status=$?
    _cluster_bench_env "$OPS_DIR/down" </dev/null >>"$log" 2>&1 || warn "ops/down of the cluster's fleet failed; see $log"
    ((status == 0)) || { warn "the three-node fleet's cost benchmark failed (exit $status); see $log"; return 0; }
    three=$(find "$AIRFLEET_STATE_DIR/bench-cluster/bench" -name results.jsonl -newer "$results" -printf '%T@ %p\n' |
        sort -n | tail -1 | cut -d' ' -f2-)
    [[ -n $three ]] || { warn "the three-node fleet's benchmark left no results; see $log"; return 0; }

    declare -A figures=()
    while IFS=$'\t' read -r metric value; do
        i=$(( ${figures[1 $metric count]:-0} + 1 )); figures[1 $metric count]=$i; figures[1 $metric $i]=$value
        record cluster "1 node: $metric" "$(_cluster_unit "$metric")" "$value"
    done < <(_cluster_cost_figures "$results")
    while IFS=$'\t' read -r metric value; do
        i=$(( ${figures[3 $metric count]:-0} + 1 )); figures[3 $metric count]=$i; figures[3 $metric $i]=$value
        record cluster "3 nodes: $metric" "$(_cluster_unit "$metric")" "$value"
    done < <(_cluster_cost_figures "$three")
    # Run by run, three nodes against one.
    for metric in "${CLUSTER_BENCH_METRICS[@]}"; do
        for ((i = 1; i <= ${figures[3 $metric count]:-0}; i++)); do
            one=${figures[1 $metric $i]:-}
            [[ -n $one ]] || continue
            ratio=$(awk -v a="${figures[3 $metric $i]}" -v b="$one" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
            record cluster "3 nodes against 1: $metric" x "$ratio"
        done
    done
}

_cluster_unit() { [[ $1 == saturation ]] && echo confirmed/s || echo ms; }
