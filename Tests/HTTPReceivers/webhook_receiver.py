"""An HTTP endpoint for delivery tests, standing in for a customer's webhook receiver or an SMS
or push gateway. Python's standard library only.

usage: webhook_receiver.py PORT_FILE LOG_FILE [SECRET ...]

It listens on 127.0.0.1 on a free port, which it writes to PORT_FILE, and appends one JSON line
per request to LOG_FILE: path, webhook-id, webhook-timestamp, whether the Standard Webhooks
signature verifies under one of the SECRETs, or of those written meanwhile one per line to
LOG_FILE.secrets (null when the request carries none), the status it answered and the body. What it answers depends on the path:

  /ok                 200
  /flaky/<key>        500 to the first two requests for <key>, then 200
  /hang               waits 30 s before answering 200 (for timeouts)
  /gone               410 with a JSON body
  /redirect           302 to /ok
  /too-many           429
"""
import base64
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


def verify(secrets, headers, body):
    message_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (message_id and timestamp and signatures):
        return None
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    signed = f"{message_id}.{timestamp}.".encode() + body
    for secret in secrets:
        key = base64.b64decode(secret.removeprefix("whsec_"))
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        for signature in signatures.split(" "):
            version, _, value = signature.partition(",")
            if version == "v1" and hmac.compare_digest(value, expected):
                return True
    return False


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    secrets = []
    log_file = None
    lock = threading.Lock()
    flaky_counts = {}

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        path = self.path
        status, answer, extra = 200, b"ok", {}
        if path.startswith("/flaky/"):
            with self.lock:
                count = self.flaky_counts.get(path, 0) + 1
                self.flaky_counts[path] = count
            if count <= 2:
                status, answer = 500, b"try again later"
        elif path == "/hang":
            time.sleep(30)
        elif path == "/gone":
            status, answer = 410, b'{"error":"this endpoint is retired"}'
        elif path == "/redirect":
            status, answer, extra = 302, b"", {"Location": "/ok"}
        elif path == "/too-many":
            status, answer = 429, b"slow down"
        elif path != "/ok":
            status, answer = 404, b"no such path"
        record = {
            "path": path,
            "id": self.headers.get("webhook-id"),
            "timestamp": self.headers.get("webhook-timestamp"),
            "signatureValid": verify(self.secrets + self.added_secrets(), self.headers, body),
            "contentType": self.headers.get("Content-Type"),
            "status": status,
            "body": body.decode("utf-8", "replace"),
        }
        with self.lock:
            with open(self.log_file, "a") as log:
                log.write(json.dumps(record) + "\n")
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def added_secrets(self):
        try:
            with open(self.log_file + ".secrets") as added:
                return [line.strip() for line in added if line.strip()]
        except FileNotFoundError:
            return []

    def log_message(self, *_):
        pass


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    port_file, Receiver.log_file, Receiver.secrets = sys.argv[1], sys.argv[2], sys.argv[3:]
    open(Receiver.log_file, "a").close()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.daemon_threads = True
    with open(port_file + ".tmp", "w") as out:
        out.write(str(server.server_address[1]))
    import os
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
