"""An OTLP/HTTP trace receiver for the tests: takes POST /v1/traces (protobuf or JSON), writes
each span it receives as one JSON line to the output file, and answers as a collector does.

Usage: otlp_receiver.py PORT_FILE SPANS_FILE
Binds 127.0.0.1 on a port the system picks and writes that port to PORT_FILE once listening.
With SPANS_FILE "-" it only counts the spans, and prints the count when stopped (for ops/bench).
"""
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Lock

from google.protobuf.json_format import Parse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


def attribute_value(value):
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


def spans_of(request):
    for resource_spans in request.resource_spans:
        resource = {a.key: attribute_value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                yield {
                    "service": resource.get("service.name"),
                    "traceId": span.trace_id.hex(),
                    "spanId": span.span_id.hex(),
                    "parentSpanId": span.parent_span_id.hex(),
                    "name": span.name,
                    "kind": KINDS.get(span.kind, str(span.kind)),
                    "status": span.status.code,
                    "statusMessage": span.status.message,
                    "start": span.start_time_unix_nano,
                    "end": span.end_time_unix_nano,
                    "attributes": {a.key: attribute_value(a.value) for a in span.attributes},
                }


def main():
    port_file, spans_file = sys.argv[1], sys.argv[2]
    lock = Lock()
    counted = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path != "/v1/traces":
                self.send_error(404, "only /v1/traces is received here")
                return
            request = ExportTraceServiceRequest()
            try:
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    Parse(body.decode(), request)
                else:
                    request.ParseFromString(body)
            except Exception as error:  # a body we cannot read is the exporter's fault: say so
                self.send_error(400, f"unreadable ExportTraceServiceRequest: {error}")
                return
            if spans_file == "-":
                with lock:
                    counted[0] += sum(len(s.spans) for r in request.resource_spans for s in r.scope_spans)
            else:
                with lock, open(spans_file, "a") as out:
                    for span in spans_of(request):
                        out.write(json.dumps(span) + "\n")
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file + ".tmp", "w") as out:
        out.write(str(server.server_address[1]))
    os.replace(port_file + ".tmp", port_file)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    finally:
        if spans_file == "-":
            print(f"{counted[0]} spans received", flush=True)


if __name__ == "__main__":
    main()
