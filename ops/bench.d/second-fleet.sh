# shellcheck shell=bash
# The benchmarks of ops/bench that compare this fleet with a second one set up otherwise: the cost
# benchmark on both, one after the other so that neither load shares the cores with the other.
# The second fleet lives in a state folder of its own under $AIRFLEET_STATE_DIR, on ports an offset
# above this fleet's; it is stopped afterwards and kept, so that the next run starts it without
# seeding it again.
#
#   cluster   ops/up --brokers 3: the broker a cluster of three nodes beside this fleet's single node
#   tracing   every process exporting its spans over OTLP/HTTP to a receiver (Tests/OTLPReceiver)
#             beside this fleet, which exports none
#
# Sourced by ops/bench, which defines record, run_cost, wanted, $results, $runs, $quick, $PORT, $out.

# What the comparisons show: the cost benchmark's figures by these names.
SECOND_FLEET_METRICS=("saturation" "CPU per booking: fleet without the SMTP sink" "CPU per booking: rabbitmq")

# The cost figures of one ops/bench results file, as "metric<TAB>value" lines in run order.
_second_fleet_cost_figures() {
    jq -r --args 'select(.benchmark == "cost" and (.metric | IN($ARGS.positional[]))) | "\(.metric)\t\(.value)"' \
        "${SECOND_FLEET_METRICS[@]}" <"$1"
}

# Runs a command with the settings of the second fleet in FOLDER: every port moved up by OFFSET,
# and nothing derived from this fleet (node list, per-context databases, management API, secrets).
# Usage: _second_fleet_env FOLDER OFFSET COMMAND...
_second_fleet_env() {
    local folder=$1 offset=$2 name unset=()
    shift 2
    for name in $(compgen -e | grep -E '^AIRFLEET_([A-Z]+_DATABASE_URL|RABBITMQ_API|JWT_SECRET|ADMIN_PASSWORD)$'); do
        unset+=(-u "$name")
    done
    env "${unset[@]}" AIRFLEET_STATE_DIR="$AIRFLEET_STATE_DIR/$folder" \
        AIRFLEET_AMQP_URL="amqp://guest:guest@127.0.0.1:$((AMQP_PORT + offset))/" \
        AIRFLEET_DATABASE_URL="postgres://${PG_ROLE:-airfleet}@127.0.0.1:$((PG_PORT + offset))/${PG_DATABASE:-airfleet}" \
        AIRFLEET_SMTP_URL="smtp://127.0.0.1:$(($(url_port "$AIRFLEET_SMTP_URL") + offset))" \
        AIRFLEET_HTTP_PORT=$((AIRFLEET_HTTP_PORT + offset)) AIRFLEET_BENCH_PORT=$((PORT + offset)) \
        AIRFLEET_METRICS_BASE_PORT=$((${AIRFLEET_METRICS_BASE_PORT:-9100} + offset * 10)) "$@"
}

# Runs the cost benchmark here (unless this run did) and on the second fleet, then records the
# figures of both under BENCHMARK, labelled HERE and THERE, and THERE against HERE run by run.
# Usage: compare_on_second_fleet BENCHMARK FOLDER OFFSET HERE THERE [ops/up arguments...]
# (variables for the second fleet's processes, such as OTEL_*, come from the caller's environment)
compare_on_second_fleet() {
    local benchmark=$1 folder=$2 offset=$3 here=$4 there=$5 other metric value i ratio base
    shift 5
    wanted cost || run_cost

    step "$benchmark: the cost benchmark on a fleet of ops/up $* under $AIRFLEET_STATE_DIR/$folder"
    local log=$out/$benchmark.log status=0
    { _second_fleet_env "$folder" "$offset" "$OPS_DIR/up" "$@" &&
        _second_fleet_env "$folder" "$offset" "$OPS_DIR/bench" --only cost --runs "$runs" ${quick:+--quick}; } </dev/null >"$log" 2>&1 ||
        status=$?
    _second_fleet_env "$folder" "$offset" "$OPS_DIR/down" </dev/null >>"$log" 2>&1 || warn "ops/down of the second fleet failed; see $log"
    ((status == 0)) || { warn "the second fleet's cost benchmark failed (exit $status); see $log"; return 0; }
    other=$(find "$AIRFLEET_STATE_DIR/$folder/bench" -name results.jsonl -newer "$results" -printf '%T@ %p\n' |
        sort -n | tail -1 | cut -d' ' -f2-)
    [[ -n $other ]] || { warn "the second fleet's benchmark left no results; see $log"; return 0; }

    declare -A figures=()
    while IFS=$'\t' read -r metric value; do
        i=$(( ${figures[1 $metric count]:-0} + 1 )); figures[1 $metric count]=$i; figures[1 $metric $i]=$value
        record "$benchmark" "$here: $metric" "$(_second_fleet_unit "$metric")" "$value"
    done < <(_second_fleet_cost_figures "$results")
    while IFS=$'\t' read -r metric value; do
        i=$(( ${figures[2 $metric count]:-0} + 1 )); figures[2 $metric count]=$i; figures[2 $metric $i]=$value
        record "$benchmark" "$there: $metric" "$(_second_fleet_unit "$metric")" "$value"
    done < <(_second_fleet_cost_figures "$other")
    for metric in "${SECOND_FLEET_METRICS[@]}"; do
        for ((i = 1; i <= ${figures[2 $metric count]:-0}; i++)); do
            base=${figures[1 $metric $i]:-}
            [[ -n $base ]] || continue
            ratio=$(awk -v a="${figures[2 $metric $i]}" -v b="$base" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
            record "$benchmark" "$there against $here: $metric" x "$ratio"
        done
    done
}

_second_fleet_unit() { [[ $1 == saturation ]] && echo confirmed/s || echo ms; }

run_cluster() {
    local nodes
    nodes=$(rabbitmq_cluster_size "$AIRFLEET_STATE_DIR")
    ((nodes == 1)) ||
        die "the cluster benchmark sets three broker nodes beside this fleet's one, but this fleet's broker has $nodes nodes"
    compare_on_second_fleet cluster bench-cluster 200 "1 node" "3 nodes" --brokers 3
}

run_tracing() {
    [[ -z ${OTEL_EXPORTER_OTLP_ENDPOINT:-} ]] ||
        die "the tracing benchmark compares with a fleet that exports nothing, but this one has OTEL_EXPORTER_OTLP_ENDPOINT set"
    otlp_receiver_install
    local folder=$out/otlp-receiver
    mkdir -p "$folder"
    # Counting, not keeping: twenty thousand bookings are half a million spans.
    "$OTLP_RECEIVER_VENV/bin/python" "$REPO_ROOT/Tests/OTLPReceiver/otlp_receiver.py" "$folder/port" - \
        </dev/null >"$folder/receiver.log" 2>&1 &
    local receiver=$!
    wait_for "the OTLP receiver" 20 "$folder/receiver.log" "$receiver" test -s "$folder/port" ||
        { kill "$receiver" 2>/dev/null; die "the OTLP receiver did not start; see $folder/receiver.log"; }
    OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$(<"$folder/port")" \
        compare_on_second_fleet tracing bench-tracing 300 "tracing off" "tracing on"
    kill "$receiver" 2>/dev/null
    wait "$receiver" 2>/dev/null || true
}
