#!/usr/bin/python3
"""Development SMTP sink: accepts mail on a local port and keeps each message as a file.

Usage: /usr/bin/python3 ops/lib/smtp-sink.py --host 127.0.0.1 --port 2525 --mail-dir DIR [--pid-file FILE]

Each received message becomes one DIR/<UTC time>-<sequence>-<id>.eml, written to a hidden
temporary file first and then renamed, so a reader never sees half a message. The envelope is
recorded in three headers put in front of the message: X-Peer (the client's address and port, the
same for the messages of one session), X-MailFrom and X-RcptTo.

Environment:
  AIRFLEET_SMTP_SINK_REJECT  a regular expression (Python syntax, searched case-insensitively);
                             a recipient matching it is refused with
                             `550 5.1.1 mailbox unavailable` (tests of permanent failures).
  AIRFLEET_SMTP_SINK_DELAY   seconds (e.g. 0.1) the sink waits before it accepts each message,
                             as a distant or busy server would; sessions wait side by side.

Any AUTH credentials are accepted, without TLS, so a client configured with a user and password
can talk to the sink. One log line per message (and per refusal) goes to stdout. SIGTERM or
SIGINT stops the sink cleanly (exit 0).

Needs aiosmtpd: Debian's python3-aiosmtpd, which /usr/bin/python3 sees.
"""

import argparse
import asyncio
import datetime
import itertools
import os
import re
import signal
import sys
import threading
import logging
import uuid

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("smtp-sink: aiosmtpd is missing; install Debian's python3-aiosmtpd (ops/bootstrap) "
             "and run this with /usr/bin/python3")


# aiosmtpd logs a warning about its own use of a deprecated attribute at every AUTH.
logging.getLogger("mail.log").addFilter(lambda record: "login_data is deprecated" not in record.getMessage())


def log(message: str) -> None:
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    print(f"{stamp} {message}", flush=True)


class SinkHandler:
    def __init__(self, mail_dir: str, reject: "re.Pattern[str] | None", delay: float) -> None:
        self.mail_dir = mail_dir
        self.reject = reject
        self.delay = delay
        self.sequence = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject is not None and self.reject.search(address):
            log(f"refused recipient {address} (matches AIRFLEET_SMTP_SINK_REJECT)")
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        with self.lock:
            number = next(self.sequence)
        now = datetime.datetime.now(datetime.timezone.utc)
        name = f"{now.strftime('%Y%m%dT%H%M%S.%fZ')}-{number:06d}-{uuid.uuid4().hex[:8]}.eml"
        peer = f"{session.peer[0]}:{session.peer[1]}" if isinstance(session.peer, tuple) else str(session.peer)
        content = envelope.original_content or b""
        head = (
            f"X-Peer: {peer}\r\n"
            f"X-MailFrom: {envelope.mail_from}\r\n"
            f"X-RcptTo: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode("utf-8")
        temporary = os.path.join(self.mail_dir, f".{name}.tmp")
        with open(temporary, "wb") as out:
            out.write(head + content)
            out.flush()
            os.fsync(out.fileno())
        os.rename(temporary, os.path.join(self.mail_dir, name))
        log(f"message {name} from {envelope.mail_from} to {', '.join(envelope.rcpt_tos)} ({len(content)} bytes)")
        return "250 Message accepted for delivery"


def accept_any_login(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=True)


def main() -> int:
    parser = argparse.ArgumentParser(description="Development SMTP sink that stores each message as an .eml file.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mail-dir", required=True)
    parser.add_argument("--pid-file", help="written once the sink listens, removed when it stops")
    args = parser.parse_args()

    os.makedirs(args.mail_dir, exist_ok=True)
    pattern = os.environ.get("AIRFLEET_SMTP_SINK_REJECT") or None
    reject = re.compile(pattern, re.IGNORECASE) if pattern else None
    try:
        delay = float(os.environ.get("AIRFLEET_SMTP_SINK_DELAY") or 0)
    except ValueError:
        sys.exit(f"smtp-sink: AIRFLEET_SMTP_SINK_DELAY must be seconds, e.g. 0.1; got {os.environ['AIRFLEET_SMTP_SINK_DELAY']!r}")
    if delay < 0:
        sys.exit("smtp-sink: AIRFLEET_SMTP_SINK_DELAY must not be negative")

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    controller = Controller(
        SinkHandler(args.mail_dir, reject, delay),
        hostname=args.host,
        port=args.port,
        server_hostname="airfleet-smtp-sink",
        ready_timeout=10,
        enable_SMTPUTF8=True,
        authenticator=accept_any_login,
        auth_require_tls=False,
    )
    controller.start()
    if args.pid_file:
        temporary = f"{args.pid_file}.tmp"
        with open(temporary, "w") as out:
            out.write(f"{os.getpid()}\n")
        os.rename(temporary, args.pid_file)
    log(f"listening on {args.host}:{args.port}, writing to {args.mail_dir}"
        + (f", refusing recipients matching {pattern!r}" if pattern else "")
        + (f", answering each message after {delay} s" if delay > 0 else ""))

    try:
        while not stop.wait(3600):
            pass
    finally:
        controller.stop()
        if args.pid_file:
            try:
                os.remove(args.pid_file)
            except FileNotFoundError:
                pass
        log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
