# shellcheck shell=bash
# Python tools from PyPI at pinned versions, each in a venv of its own under
# $AIRFLEET_STATE_DIR/tools (outside ops/test's state folder, which is wiped at every run, so an
# install is kept between runs). Source common.sh first.
#
# python_tool_install NAME VENV CHECK REQUIREMENT...
#     installs REQUIREMENT... into VENV unless the command CHECK (run with VENV's python) passes

python_tool_install() {
    local name=$1 venv=$2 check=$3 started
    shift 3
    if [[ -x $venv/bin/python ]] && "$venv/bin/python" -c "$check" </dev/null >/dev/null 2>&1; then
        ok "$name present in $venv"
        return 0
    fi
    step "Installing $name ($*) from PyPI into $venv"
    started=$(now_us)
    rm -rf -- "$venv"
    mkdir -p "$(dirname "$venv")"
    # A venv of its own, so neither the system's Python packages nor pip's refusal to touch them
    # (PEP 668 on Debian 12) get in the way; Debian's python3 needs python3-venv for it.
    python3 -m venv "$venv" </dev/null || die "python3 -m venv failed (on Debian, ops/bootstrap installs python3-venv)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "$@" </dev/null ||
        die "pip install $* failed (is PyPI reachable?)"
    "$venv/bin/python" -c "$check" </dev/null >/dev/null 2>&1 || die "$name did not install into $venv"
    ok "$name installed in $(elapsed_since "$started") s"
}

# The OTLP/HTTP trace receiver of the tracing test (Tests/OTLPReceiver) needs opentelemetry-proto.
OTLP_PROTO_VERSION=1.45.2
OTLP_RECEIVER_VENV="$AIRFLEET_STATE_DIR/tools/opentelemetry-proto-$OTLP_PROTO_VERSION"

otlp_receiver_install() {
    python_tool_install "opentelemetry-proto $OTLP_PROTO_VERSION" "$OTLP_RECEIVER_VENV" \
        "from opentelemetry.proto.collector.trace.v1 import trace_service_pb2" "opentelemetry-proto==$OTLP_PROTO_VERSION"
}

# Tests/PikaPublisher publishes messages with pika, as a publisher written in Python does.
PIKA_VERSION=1.3.2
PIKA_VENV="$AIRFLEET_STATE_DIR/tools/pika-$PIKA_VERSION"

pika_install() {
    python_tool_install "pika $PIKA_VERSION" "$PIKA_VENV" "import pika" "pika==$PIKA_VERSION"
}

# Tests/Browser drives Debian's chromium through chromium-driver with Selenium (ops/test).
SELENIUM_VERSION=4.27.1
SELENIUM_VENV="$AIRFLEET_STATE_DIR/tools/selenium-$SELENIUM_VERSION"

selenium_install() {
    python_tool_install "selenium $SELENIUM_VERSION" "$SELENIUM_VENV" "import selenium.webdriver" "selenium==$SELENIUM_VERSION"
}
