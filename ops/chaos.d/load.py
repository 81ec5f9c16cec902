#!/usr/bin/env python3
"""The booking load of ops/chaos: POST /v1/bookings at a steady rate through the ingress.

Standard library only. Each booking has an Idempotency-Key of its own and is sent again, with
the same key and body, after a 503 or 429 (after its Retry-After), a connection error, a
client timeout or any other 5xx, until the ingress accepts it (200, 201 or 202) or refuses it
(another 4xx) or its deadline passes. Every answer is counted, with when it came, so that the
checks can tell what the ingress said while the broker was away.

Usage: load.py --base URL --flights FILE --out FILE [--bookings N] [--rate R] [--customers C]
               [--workers W] [--timeout S] [--deadline S] [--run NAME]
"""

import argparse
import concurrent.futures
import http.client
import json
import random
import socket
import sys
import threading
import time
import urllib.error
import urllib.request

PASSWORD = "Chaos-drill-42"


def log(text):
    print(f"     load: {text}", file=sys.stderr, flush=True)


class Answer:
    """One HTTP exchange: a status with its headers and body, or an error without a status."""

    def __init__(self, status=None, headers=None, body=b"", error=None):
        self.status = status
        self.headers = headers or {}
        self.body = body
        self.error = error  # "timeout" or "connection"
        self.detail = ""

    def json(self):
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return {}


def exchange(method, url, body=None, headers=None, timeout=10.0):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers.items()), error.read())
    except (socket.timeout, TimeoutError) as error:
        answer = Answer(error="timeout")
        answer.detail = str(error)
        return answer
    except urllib.error.URLError as error:
        reason = error.reason
        answer = Answer(error="timeout" if isinstance(reason, (socket.timeout, TimeoutError)) else "connection")
        answer.detail = str(reason)
        return answer
    except (ConnectionError, http.client.HTTPException, OSError) as error:
        answer = Answer(error="connection")
        answer.detail = f"{type(error).__name__}: {error}"
        return answer


class Tally:
    """Counts every answer (by status or error) and keeps the unusual ones with their time."""

    def __init__(self, started):
        self.started = started
        self.lock = threading.Lock()
        self.statuses = {}
        self.unavailable_with_retry_after = 0
        self.unavailable_without_retry_after = 0
        self.timeouts = 0
        self.connection_errors = 0
        self.events = []

    def record(self, answer, key):
        now = time.time()
        with self.lock:
            if answer.status is None:
                if answer.error == "timeout":
                    self.timeouts += 1
                else:
                    self.connection_errors += 1
                self.events.append({"at": round(now, 3), "key": key, "error": answer.error, "detail": answer.detail[:200]})
                return
            name = str(answer.status)
            self.statuses[name] = self.statuses.get(name, 0) + 1
            if answer.status in (200, 201, 202):
                return
            event = {"at": round(now, 3), "key": key, "status": answer.status}
            if answer.status in (429, 503):
                retry_after = answer.headers.get("Retry-After")
                event["retryAfter"] = retry_after
                if answer.status == 503:
                    if retry_after:
                        self.unavailable_with_retry_after += 1
                    else:
                        self.unavailable_without_retry_after += 1
            else:
                event["detail"] = answer.body[:300].decode("utf-8", "replace")
            self.events.append(event)

    def summary(self):
        with self.lock:
            server_errors = {s: n for s, n in self.statuses.items() if s.startswith("5") and s not in ("500", "503")}
            return {
                "statuses": dict(sorted(self.statuses.items())),
                "unavailable": {"withRetryAfter": self.unavailable_with_retry_after,
                                "withoutRetryAfter": self.unavailable_without_retry_after},
                "internalErrors": self.statuses.get("500", 0),
                "otherServerErrors": server_errors,
                "timeouts": self.timeouts,
                "connectionErrors": self.connection_errors,
                "events": list(self.events),
            }


def sign_in(base, run, index, timeout):
    """Registers a customer of this run and logs it in; returns (customerId, token)."""
    email = f"chaos-{run}-{index}@example.com"
    deadline = time.time() + 120
    registered = False
    while time.time() < deadline:
        if not registered:
            answer = exchange("POST", f"{base}/v1/auth/register",
                              {"email": email, "password": PASSWORD, "name": f"Chaos Drill {index}"},
                              {"Prefer": "wait=10"}, timeout=30)
            if answer.status in (200, 201, 202, 409):
                registered = True
            else:
                time.sleep(1)
                continue
        answer = exchange("POST", f"{base}/v1/auth/login", {"email": email, "password": PASSWORD}, timeout=30)
        if answer.status == 200:
            body = answer.json()
            return body["customerId"], body["accessToken"]
        # 401 while the registration is still on its way; 503 while the broker is away.
        time.sleep(1)
    raise SystemExit(f"load: could not register and log in {email} within 120 s (last answer: {answer.status} {answer.body[:200]!r})")


def book(base, index, run, customer, flight, tally, timeout, deadline, wait_every):
    key = f"chaos-{run}-{index}"
    body = {"flightId": flight, "cabin": "economy", "paymentToken": "tok_visa",
            "passengers": [{"firstName": "Chaos", "lastName": f"Drill{index}", "dateOfBirth": "1990-01-01"}]}
    headers = {"Authorization": f"Bearer {customer[1]}", "Idempotency-Key": key}
    # Some clients wait for the outcome, so the ingress's reply queue lives through the faults too.
    if wait_every and index % wait_every == 0:
        headers["Prefer"] = "wait=5"
    record = {"key": key, "customerId": customer[0], "flightId": flight, "attempts": 0, "accepted": False}
    give_up = time.time() + deadline
    while True:
        record["attempts"] += 1
        answer = exchange("POST", f"{base}/v1/bookings", body, headers, timeout=timeout)
        tally.record(answer, key)
        record["lastStatus"] = answer.status if answer.status is not None else answer.error
        if answer.status in (200, 201, 202):
            record["accepted"] = True
            record["acceptedAt"] = round(time.time(), 3)
            location = answer.headers.get("Location", "")
            view = answer.json()
            booking_id = view.get("bookingId") or location.rsplit("/", 1)[-1]
            record["bookingId"] = booking_id.lower() if booking_id else None
            if view.get("pnr"):
                record["pnr"] = view["pnr"]
            return record
        if answer.status is not None and 400 <= answer.status < 500 and answer.status != 429:
            record["refusal"] = answer.body[:300].decode("utf-8", "replace")
            return record
        if time.time() >= give_up:
            record["gaveUp"] = True
            return record
        wait = 1.0
        if answer.status in (429, 503):
            try:
                wait = float(answer.headers.get("Retry-After", "1"))
            except ValueError:
                wait = 1.0
        time.sleep(min(wait, 10.0) + random.uniform(0, 0.2))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the ingress, e.g. http://127.0.0.1:8080")
    parser.add_argument("--flights", required=True, help="file of flight ids, one a line")
    parser.add_argument("--out", required=True, help="where the JSON results go")
    parser.add_argument("--bookings", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=20.0, help="bookings started per second")
    parser.add_argument("--customers", type=int, default=8)
    parser.add_argument("--workers", type=int, default=48)
    parser.add_argument("--timeout", type=float, default=10.0, help="client timeout per request, seconds")
    parser.add_argument("--deadline", type=float, default=300.0, help="how long one booking is retried, seconds")
    parser.add_argument("--wait-every", type=int, default=10,
                        help="every Nth booking asks for its outcome (Prefer: wait=5); 0: none")
    parser.add_argument("--run", default=time.strftime("%Y%m%dT%H%M%S"))
    parser.add_argument("--started-file", help="touched once the load starts sending bookings")
    arguments = parser.parse_args()

    flights = [line.strip() for line in open(arguments.flights) if line.strip()]
    if not flights:
        raise SystemExit("load: no flights in " + arguments.flights)
    base = arguments.base.rstrip("/")

    log(f"registering {arguments.customers} customers")
    with concurrent.futures.ThreadPoolExecutor(max_workers=arguments.customers) as pool:
        customers = list(pool.map(lambda i: sign_in(base, arguments.run, i, arguments.timeout), range(arguments.customers)))

    started = time.time()
    if arguments.started_file:
        open(arguments.started_file, "w").write(f"{started}\n")
    tally = Tally(started)
    log(f"{arguments.bookings} bookings at {arguments.rate}/s over {len(flights)} flights, {arguments.workers} workers")
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=arguments.workers) as pool:
        futures = []
        for index in range(arguments.bookings):
            due = started + index / arguments.rate
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)
            customer = customers[index % len(customers)]
            flight = flights[index % len(flights)]
            futures.append(pool.submit(book, base, index, arguments.run, customer, flight, tally,
                                       arguments.timeout, arguments.deadline, arguments.wait_every))
            if index and index % max(1, int(arguments.rate * 10)) == 0:
                done = sum(1 for f in futures if f.done())
                log(f"{index} sent, {done} answered, {time.time() - started:.0f} s")
        results = [future.result() for future in futures]
    finished = time.time()

    accepted = sum(1 for r in results if r["accepted"])
    report = {
        "run": arguments.run,
        "base": base,
        "startedAt": round(started, 3),
        "finishedAt": round(finished, 3),
        "requested": arguments.bookings,
        "rate": arguments.rate,
        "accepted": accepted,
        "refused": sum(1 for r in results if not r["accepted"] and "refusal" in r),
        "gaveUp": sum(1 for r in results if r.get("gaveUp")),
        "withPnr": sum(1 for r in results if r.get("pnr")),
        "customers": [c[0] for c in customers],
        **tally.summary(),
        "bookings": results,
    }
    with open(arguments.out, "w") as file:
        json.dump(report, file, indent=1)
    log(f"done in {finished - started:.0f} s: {accepted} accepted of {arguments.bookings}; "
        f"statuses {report['statuses']}, timeouts {report['timeouts']}, connection errors {report['connectionErrors']}")


if __name__ == "__main__":
    main()
