# shellcheck shell=bash
# The contract check: schemathesis, from PyPI at a pinned version, run against a live ingress
# with Schemas/openapi.yaml and Schemas/schemathesis.toml. Source common.sh and python-tools.sh first.
#
# schemathesis_install            installs it into a venv under the state folder, once per version
# schemathesis_run URL REPORT_DIR ADMIN_PASSWORD [schemathesis run options...]
#                                 runs it against the ingress at URL, signed in as the admin
#                                 AIRFLEET_ADMIN_EMAIL with that password; fails on any failure

SCHEMATHESIS_VERSION=4.32.5
# Outside ops/test's state folder, which is wiped at every run: the install is kept between runs.
SCHEMATHESIS_VENV="$AIRFLEET_STATE_DIR/tools/schemathesis-$SCHEMATHESIS_VERSION"
SCHEMATHESIS="$SCHEMATHESIS_VENV/bin/schemathesis"
# Cases per operation and phase, and a hard cap on the whole run: with the 28 operations of the
# document, about 1,500 requests and two minutes on a 2-core machine with a debug build.
SCHEMATHESIS_MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-25}
SCHEMATHESIS_TIME_LIMIT=${SCHEMATHESIS_TIME_LIMIT:-600}
# The same cases every run, so a red run means the server or the document changed, not the draw;
# another seed (SCHEMATHESIS_SEED) explores further, and what it finds is fixed like any bug.
SCHEMATHESIS_SEED=${SCHEMATHESIS_SEED:-20261206}

schemathesis_install() {
    python_tool_install "schemathesis $SCHEMATHESIS_VERSION" "$SCHEMATHESIS_VENV" \
        "import importlib.metadata as m; assert m.version('schemathesis') == '$SCHEMATHESIS_VERSION'" \
        "schemathesis==$SCHEMATHESIS_VERSION"
}

schemathesis_run() {
    local url=$1 report_dir=$2 password=$3
    shift 3
    mkdir -p "$report_dir"
    # Schemas/schemathesis.toml reads the admin's credentials from these. --generation-database
    # none: no examples are kept from one run to the next, and nothing is written in the
    # repository (.hypothesis/).
    AIRFLEET_ADMIN_PASSWORD=$password NO_COLOR=1 timeout --kill-after=10 "$SCHEMATHESIS_TIME_LIMIT" \
        "$SCHEMATHESIS" --config-file "$REPO_ROOT/Schemas/schemathesis.toml" run "$REPO_ROOT/Schemas/openapi.yaml" \
        --url "$url" --phases examples,coverage,fuzzing --checks all \
        --max-examples "$SCHEMATHESIS_MAX_EXAMPLES" --seed "$SCHEMATHESIS_SEED" --generation-database none \
        --report junit --report-dir "$report_dir" "$@" </dev/null
}
