#!/usr/bin/env python3
"""The checks of ops/chaos, after its load and faults. Standard library only.

  check.py quiet  --airfleet BIN --psql PSQL --load LOAD.json [--timeout S]
      Waits until no context has messages ready, unacknowledged, on the retry ladder or in its
      outbox, no email is in doubt (ledger `sending`), and the drill's bookings stop changing
      (none left in a state that is not final).
  check.py verify --airfleet BIN --psql PSQL --load LOAD.json --faults FAULTS.jsonl
                  --mail-dir DIR --mail-before FILE --out RESULT.json [--replayed N] ...
      Checks what the drill must leave behind; prints PASS/FAIL per check and a summary;
      writes the result as JSON; exits 1 when a check fails.

The database is reached with psql and the PG* variables of the environment (ops/chaos sets
them); the broker with `airfleet status --json` (AIRFLEET_RABBITMQ_API for the unacknowledged).
"""

import argparse
import calendar
import email.parser
import json
import os
import subprocess
import sys
import time

FINAL_STATES = ("confirmed", "failed", "expired", "cancelled")


def log(text):
    print(f"     {text}", file=sys.stderr, flush=True)


class Database:
    def __init__(self, psql):
        self.psql = psql

    def rows(self, sql):
        """Rows of tab-separated text fields; raises with psql's message on an error."""
        # The statement goes on standard input: with thousands of ids it is too long for an argument.
        done = subprocess.run([self.psql, "-X", "-q", "-tA", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-f", "-"],
                              input=sql, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}\nquery: {sql}")
        return [line.split("\t") for line in done.stdout.splitlines() if line]

    def value(self, sql):
        rows = self.rows(sql)
        return rows[0][0] if rows else None


def uuid_array(ids):
    return "ARRAY[" + ",".join(f"'{i}'" for i in ids) + "]::uuid[]" if ids else "ARRAY[]::uuid[]"


def fleet_status(airfleet):
    done = subprocess.run([airfleet, "status", "--json"], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise RuntimeError(f"airfleet status failed: {done.stderr.strip()[:300]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def booking_states(database, customers):
    rows = database.rows(f"SELECT state, count(*) FROM bookings.bookings WHERE customer_id = ANY({uuid_array(customers)}) GROUP BY 1 ORDER BY 1")
    return {state: int(count) for state, count in rows}


def quiet(arguments):
    load = json.load(open(arguments.load))
    database = Database(arguments.psql)
    started = time.time()
    previous = None
    last_report = 0.0
    while True:
        busy, states = [], {}
        try:
            for row in fleet_status(arguments.airfleet):
                for field in ("ready", "unacknowledged", "retrying", "outbox"):
                    if row.get(field):
                        busy.append(f"{row['context']} {field} {row[field]}")
            states = booking_states(database, load["customers"])
            # Emails whose sender died inside its SMTP exchange are sent again after the grace
            # period (AIRFLEET_EMAIL_RESEND_AFTER, 2 min by default): wait for them too.
            in_doubt = int(database.value(f"SELECT count(*) FROM notifications.deliveries WHERE state = 'sending' "
                                          f"AND customer_id = ANY({uuid_array(load['customers'])})") or 0)
            if in_doubt:
                busy.append(f"notifications emails in doubt {in_doubt}")
        except (RuntimeError, subprocess.TimeoutExpired, ValueError) as error:
            busy.append(f"not readable yet: {str(error).splitlines()[0]}")
        open_states = {s: n for s, n in states.items() if s not in FINAL_STATES}
        snapshot = (tuple(busy), tuple(sorted(states.items())))
        if not busy and not open_states and snapshot == previous:
            log(f"quiet after {time.time() - started:.0f} s: bookings {states}")
            return 0
        previous = snapshot
        elapsed = time.time() - started
        if elapsed > arguments.timeout:
            log(f"not quiet after {arguments.timeout:.0f} s: {', '.join(busy) or 'queues empty'}; bookings {states}")
            return 1
        if elapsed - last_report >= 15:
            last_report = elapsed
            log(f"{elapsed:.0f} s: {', '.join(busy) or 'queues empty'}; bookings {states}")
        time.sleep(2)


class Verdicts:
    def __init__(self):
        self.checks = []

    def add(self, name, passed, detail, **facts):
        self.checks.append({"check": name, "passed": passed, "detail": detail, **facts})
        print(f"{'PASS' if passed else 'FAIL'}  {name}: {detail}", flush=True)

    @property
    def passed(self):
        return all(c["passed"] for c in self.checks)


def sample(items, count=5):
    items = list(items)
    return items[:count] + (["…"] if len(items) > count else [])


def check_bookings(database, load, verdicts):
    accepted = [b for b in load["bookings"] if b["accepted"]]
    ids = sorted({b["bookingId"].lower() for b in accepted if b.get("bookingId")})
    rows = database.rows(f"SELECT booking_id, state, coalesce(reason, '') FROM bookings.bookings WHERE booking_id = ANY({uuid_array(ids)})")
    found = {row[0]: (row[1], row[2]) for row in rows}
    missing = [i for i in ids if i not in found]
    without_id = [b["key"] for b in accepted if not b.get("bookingId")]
    stuck = {i: s for i, (s, _) in found.items() if s not in FINAL_STATES}
    states, reasons = {}, {}
    for state, reason in found.values():
        states[state] = states.get(state, 0) + 1
        if state != "confirmed":
            reasons[f"{state}:{reason}"] = reasons.get(f"{state}:{reason}", 0) + 1
    passed = not missing and not stuck and not without_id and len(accepted) > 0
    detail = f"{len(accepted)} accepted, {len(found)} found, states {states}"
    if missing:
        detail += f"; {len(missing)} missing, e.g. {sample(missing)}"
    if without_id:
        detail += f"; {len(without_id)} accepted without a booking id, e.g. {sample(without_id)}"
    if stuck:
        detail += f"; {len(stuck)} not final, e.g. {sample(f'{i} {s}' for i, s in stuck.items())}"
    verdicts.add("bookings", passed, detail, states=states, reasons=reasons, missing=missing, stuck=stuck)
    return states


def check_seats(database, load, verdicts):
    flights = sorted({b["flightId"] for b in load["bookings"]})
    flight_list = uuid_array(flights)
    problems = []
    # A seat in two standing bookings of one flight.
    doubled = database.rows(f"""
        SELECT flight_id, seat, count(*) FROM bookings.bookings, unnest(seats) AS seat
        WHERE flight_id = ANY({flight_list}) AND state IN ('confirmed', 'paid', 'seats-held')
        GROUP BY 1, 2 HAVING count(*) > 1""")
    if doubled:
        problems.append(f"{len(doubled)} seats in two bookings, e.g. {sample(' '.join(r) for r in doubled)}")
    # Holds still holding for bookings that are over.
    leftover = database.rows(f"""
        SELECT h.hold_id, b.booking_id, b.state, count(a.seat) FROM flights.holds h
        JOIN bookings.bookings b ON b.hold_id = h.hold_id
        LEFT JOIN flights.seat_assignments a ON a.hold_id = h.hold_id AND NOT a.sold
        WHERE h.flight_id = ANY({flight_list}) AND b.state IN ('failed', 'expired', 'cancelled', 'confirmed')
          AND (h.status = 'held' OR a.seat IS NOT NULL)
        GROUP BY 1, 2, 3""")
    if leftover:
        problems.append(f"{len(leftover)} holds left for final bookings, e.g. {sample(' '.join(r) for r in leftover)}")
    # Seats sold per flight against the seats of its confirmed bookings, and the cabins' count.
    mismatched = database.rows(f"""
        WITH sold AS (SELECT flight_id, count(*) AS n FROM flights.seat_assignments
                      WHERE flight_id = ANY({flight_list}) AND sold GROUP BY 1),
             booked AS (SELECT flight_id, sum(cardinality(seats)) AS n FROM bookings.bookings
                        WHERE flight_id = ANY({flight_list}) AND state = 'confirmed' GROUP BY 1)
        SELECT coalesce(s.flight_id, b.flight_id), coalesce(s.n, 0), coalesce(b.n, 0)
        FROM sold s FULL JOIN booked b USING (flight_id) WHERE coalesce(s.n, 0) <> coalesce(b.n, 0)""")
    if mismatched:
        problems.append(f"{len(mismatched)} flights whose sold seats differ from their confirmed bookings' (flight sold booked), "
                        f"e.g. {sample(' '.join(r) for r in mismatched)}")
    # Every confirmed booking's seats are sold to its own hold.
    unsold = database.rows(f"""
        SELECT b.booking_id, s.booked FROM bookings.bookings b, unnest(b.seats) AS s(booked)
        WHERE b.flight_id = ANY({flight_list}) AND b.state = 'confirmed'
          AND NOT EXISTS (SELECT 1 FROM flights.seat_assignments a
                          WHERE a.flight_id = b.flight_id AND a.seat = s.booked AND a.hold_id = b.hold_id AND a.sold)""")
    if unsold:
        problems.append(f"{len(unsold)} seats of confirmed bookings not sold to them, e.g. {sample(' '.join(r) for r in unsold)}")
    counts = database.rows(f"""
        SELECT c.flight_id, c.cabin, c.taken, count(a.seat) FROM flights.flight_cabins c
        LEFT JOIN flights.seat_assignments a ON a.flight_id = c.flight_id AND a.cabin = c.cabin
        WHERE c.flight_id = ANY({flight_list}) GROUP BY c.flight_id, c.cabin, c.taken, c.taken_seats
        HAVING c.taken <> count(a.seat) OR NOT c.taken_seats @> coalesce(array_agg(a.seat) FILTER (WHERE a.seat IS NOT NULL), '{{}}')""")
    if counts:
        problems.append(f"{len(counts)} cabins whose taken seats differ from their seats held or sold, e.g. {sample(' '.join(r) for r in counts)}")
    sold = database.value(f"SELECT count(*) FROM flights.seat_assignments WHERE flight_id = ANY({flight_list}) AND sold")
    verdicts.add("seats", not problems, "; ".join(problems) or f"{sold} seats sold on {len(flights)} flights, each once, "
                 "each to a confirmed booking; no hold left over")


def check_payments(database, load, verdicts):
    customers = uuid_array(load["customers"])
    rows = database.rows(f"""
        SELECT b.booking_id, b.state, coalesce(b.total, 0),
               (SELECT count(*) FROM payments.payments p WHERE p.booking_id = b.booking_id AND p.state = 'captured'),
               (SELECT coalesce(sum(p.amount), 0) FROM payments.payments p WHERE p.booking_id = b.booking_id AND p.state = 'captured'),
               (SELECT count(*) FROM payments.sandbox_charges s JOIN payments.payments p USING (idempotency_key)
                 WHERE p.booking_id = b.booking_id AND s.outcome = 'captured'),
               (SELECT count(*) FROM payments.refunds r WHERE r.booking_id = b.booking_id),
               (SELECT coalesce(sum(r.amount), 0) FROM payments.refunds r WHERE r.booking_id = b.booking_id AND r.state = 'refunded'),
               (SELECT count(*) FROM payments.refunds r WHERE r.booking_id = b.booking_id AND r.state <> 'refunded')
        FROM bookings.bookings b WHERE b.customer_id = ANY({customers})""")
    problems = {"confirmed without one capture": [], "capture of another amount": [], "provider charged twice": [],
                "refund of a confirmed booking": [], "capture of an unconfirmed booking not refunded in full": [],
                "refund not settled": [], "refund without a capture": []}
    charges = refunds = confirmed = 0
    for booking, state, total, captures, captured, provider, refund_rows, refunded, unsettled in rows:
        total, captures, captured, provider = int(total), int(captures), int(captured), int(provider)
        refund_rows, refunded, unsettled = int(refund_rows), int(refunded), int(unsettled)
        charges += captures
        refunds += 1 if refund_rows else 0
        if provider > 1 or provider != captures:
            problems["provider charged twice"].append(booking)
        if unsettled:
            problems["refund not settled"].append(booking)
        if state == "confirmed":
            confirmed += 1
            if captures != 1:
                problems["confirmed without one capture"].append(booking)
            elif captured != total:
                problems["capture of another amount"].append(booking)
            if refund_rows:
                problems["refund of a confirmed booking"].append(booking)
        elif captures:
            # The drill cancels nothing, so whatever was charged for a booking that ended
            # without confirmation comes back whole.
            if refunded != captured:
                problems["capture of an unconfirmed booking not refunded in full"].append(booking)
        elif refund_rows:
            problems["refund without a capture"].append(booking)
    found = {name: ids for name, ids in problems.items() if ids}
    detail = "; ".join(f"{len(ids)} {name}, e.g. {sample(ids, 3)}" for name, ids in found.items())
    verdicts.add("payments", not found,
                 detail or f"{charges} charges for {confirmed} confirmed bookings and {charges - confirmed} others, "
                 f"{refunds} refunds, each of a booking that ended unconfirmed after payment",
                 charges=charges, refunds=refunds)


def read_mail(mail_dir, before):
    """Each .eml the drill's time added, by delivery key: {key: [(file, Message-ID), …]}."""
    known = set(line.strip() for line in open(before) if line.strip())
    parser = email.parser.BytesHeaderParser()
    keys = {}
    for name in sorted(os.listdir(mail_dir)):
        if not name.endswith(".eml") or name in known:
            continue
        with open(os.path.join(mail_dir, name), "rb") as file:
            headers = parser.parse(file)
        message_id = (headers.get("Message-ID") or name).strip()
        key = headers.get("X-Airfleet-Delivery") or f"message-id:{message_id}"
        keys.setdefault(key.strip(), []).append((name, message_id))
    return keys


# How long after its claim a kill can still catch an email in the middle of its SMTP exchange:
# the exchange takes well under a second with the sink there, and a refused connection fails at
# once; 5 s is the mailer's connect timeout. A duplicate without such a kill is reported apart.
IN_EXCHANGE_WINDOW = 5.0


def check_emails(database, load, faults, mail_dir, before, verdicts):
    """Every confirmed booking has its confirmation email: delivery is at least once
    (Consumers/Notifications/README.md), so none may be missing, and none may be left in doubt
    (ledger `sending`) once the fleet is quiet. A duplicate is expected only when a notifications
    process was killed inside the SMTP exchange (the email is sent again after the grace period,
    not knowing whether the server took it): duplicates are reported, and fail the check only when
    their copies carry different Message-IDs (mail clients could not fold them)."""
    keys = read_mail(mail_dir, before)
    confirmed = [row[0] for row in database.rows(
        f"SELECT booking_id FROM bookings.bookings WHERE customer_id = ANY({uuid_array(load['customers'])}) AND state = 'confirmed'")]
    kills = [f["at"] for f in faults if f["fault"] == "sigkill" and f["target"].startswith("notifications-")]
    ledger = {row[0]: (row[1], int(row[2]), float(row[3])) for row in database.rows(
        f"SELECT booking_id, state, attempts, extract(epoch FROM created_at) FROM notifications.deliveries "
        f"WHERE kind = 'booking-confirmed' AND booking_id = ANY({uuid_array(confirmed)})")}
    in_doubt = [row[0] for row in database.rows(
        f"SELECT delivery_key FROM notifications.deliveries WHERE state = 'sending' AND customer_id = ANY({uuid_array(load['customers'])})")]

    missing = []
    for booking in confirmed:
        if not keys.get(f"booking:{booking}:booking-confirmed:1"):
            state, attempts, _ = ledger.get(booking, ("no ledger row", 0, 0.0))
            missing.append(f"{booking} (ledger: {state}, {attempts} attempts)")

    def killed_in_exchange(first_file):
        # The sink names each file by its UTC arrival time: 20260101T120000.123456Z-…
        try:
            arrived = calendar.timegm(time.strptime(first_file[:15], "%Y%m%dT%H%M%S"))
        except ValueError:
            return False
        return any(arrived - IN_EXCHANGE_WINDOW <= kill <= arrived + IN_EXCHANGE_WINDOW for kill in kills)

    duplicates, explained, folded_apart = [], 0, []
    for key, files in keys.items():
        if len(files) < 2:
            continue
        duplicates.append(f"{key} ({len(files)})")
        if killed_in_exchange(files[0][0]):
            explained += 1
        if len({message_id for _, message_id in files}) > 1:
            folded_apart.append(f"{key} ({', '.join(sorted({m for _, m in files}))})")
    confirmation_duplicates = sum(1 for d in duplicates if ":booking-confirmed:" in d)
    sent = sum(len(files) for files in keys.values())
    problems = []
    if missing:
        problems.append(f"{len(missing)} confirmed bookings without a confirmation email, e.g. {sample(missing, 3)}")
    if in_doubt:
        problems.append(f"{len(in_doubt)} emails still in doubt (ledger 'sending') after the fleet was quiet: "
                        f"nobody sent them again, e.g. {sample(in_doubt, 3)}")
    if folded_apart:
        problems.append(f"{len(folded_apart)} emails sent twice under different Message-IDs, e.g. {sample(folded_apart, 3)}")
    detail = "; ".join(problems) or (f"{len(confirmed)} confirmed bookings, missing 0: each has its confirmation email "
                                     f"({sent} emails written during the drill)")
    detail += (f"; duplicates {len(duplicates)} ({confirmation_duplicates} confirmations), same Message-ID each"
               + (f", {explained} near a kill of a notifications process, {len(duplicates) - explained} not, "
                  f"e.g. {sample(duplicates, 3)}" if duplicates else ""))
    verdicts.add("emails", not problems, detail, emailsWritten=sent, missing=missing, duplicates=duplicates,
                 duplicatesNearKill=explained, inDoubt=in_doubt)


def broker_windows(faults):
    """(stopped at, started again at) of each RabbitMQ outage the drill caused."""
    windows, began = [], None
    for fault in faults:
        if fault["target"] != "rabbitmq":
            continue
        if fault["fault"] == "stop":
            began = fault["at"]
        elif fault["fault"] == "started" and began is not None:
            windows.append((began, fault["at"]))
            began = None
    return windows


def check_ingress(load, faults, verdicts):
    problems = []
    if load["internalErrors"]:
        problems.append(f"{load['internalErrors']} answers 500")
    if load["timeouts"]:
        problems.append(f"{load['timeouts']} requests without an answer within the client timeout (hangs)")
    if load["connectionErrors"]:
        problems.append(f"{load['connectionErrors']} connection errors")
    if load["unavailable"]["withoutRetryAfter"]:
        problems.append(f"{load['unavailable']['withoutRetryAfter']} answers 503 without Retry-After")
    if load["otherServerErrors"]:
        problems.append(f"other server errors {load['otherServerErrors']}")
    windows = broker_windows(faults)
    during = [e for e in load["events"] if any(a <= e["at"] <= b + 5 for a, b in windows)]
    unavailable = [e for e in during if e.get("status") == 503 and e.get("retryAfter")]
    if windows and not unavailable:
        problems.append("no 503 with Retry-After while the broker was away (was the load running then?)")
    bad = [e for e in load["events"] if e.get("status") not in (429, 503) or (e.get("status") == 503 and not e.get("retryAfter"))]
    detail = "; ".join(problems) or (f"statuses {load['statuses']}; {len(unavailable)} answers 503 with Retry-After while the "
                                     f"broker was away ({sum(b - a for a, b in windows):.0f} s); no 500, no hang")
    if bad:
        detail += f"; e.g. {sample((json.dumps(e) for e in bad), 3)}"
    verdicts.add("ingress", not problems, detail, statuses=load["statuses"], unavailableWhileBrokerAway=len(unavailable))


def verify(arguments):
    load = json.load(open(arguments.load))
    faults = [json.loads(line) for line in open(arguments.faults) if line.strip()]
    database = Database(arguments.psql)
    verdicts = Verdicts()
    states = {}
    for name, run in (("bookings", lambda: check_bookings(database, load, verdicts)),
                      ("seats", lambda: check_seats(database, load, verdicts)),
                      ("payments", lambda: check_payments(database, load, verdicts)),
                      ("emails", lambda: check_emails(database, load, faults, arguments.mail_dir, arguments.mail_before, verdicts)),
                      ("ingress", lambda: check_ingress(load, faults, verdicts))):
        try:
            outcome = run()
            if name == "bookings":
                states = outcome
        except (RuntimeError, OSError, KeyError, ValueError, subprocess.TimeoutExpired) as error:
            verdicts.add(name, False, f"could not be checked: {error}")
    kinds = {}
    for fault in faults:
        if fault["fault"] in ("sigkill", "stop", "restart"):
            label = f"{fault['fault']} {fault['target'].rsplit('-', 1)[0]}"
            kinds[label] = kinds.get(label, 0) + 1
    summary = {
        "run": load["run"], "seconds": arguments.seconds, "requested": load["requested"], "accepted": load["accepted"],
        "confirmed": states.get("confirmed", 0), "failed": states.get("failed", 0), "expired": states.get("expired", 0),
        "faults": kinds, "deadLettersBefore": arguments.dead_before, "deadLettersReplayed": arguments.replayed,
        "loadSeconds": round(load["finishedAt"] - load["startedAt"], 1),
    }
    print(f"summary: {summary['requested']} bookings sent, {summary['accepted']} accepted, {summary['confirmed']} confirmed, "
          f"{summary['failed']} failed, {summary['expired']} expired; load {summary['loadSeconds']} s, drill {arguments.seconds} s; "
          f"faults: {', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}; dead letters replayed: {arguments.replayed}")
    print(f"chaos: {'PASS' if verdicts.passed else 'FAIL'} ({sum(c['passed'] for c in verdicts.checks)} of {len(verdicts.checks)} checks passed)")
    with open(arguments.out, "w") as file:
        json.dump({"passed": verdicts.passed, "summary": summary, "checks": verdicts.checks, "faults": faults}, file, indent=1)
    return 0 if verdicts.passed else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("quiet", "verify"):
        command = commands.add_parser(name)
        command.add_argument("--airfleet", required=True)
        command.add_argument("--psql", required=True)
        command.add_argument("--load", required=True)
        if name == "quiet":
            command.add_argument("--timeout", type=float, default=600)
        else:
            command.add_argument("--faults", required=True)
            command.add_argument("--mail-dir", required=True)
            command.add_argument("--mail-before", required=True)
            command.add_argument("--out", required=True)
            command.add_argument("--replayed", type=int, default=0)
            command.add_argument("--dead-before", type=int, default=0)
            command.add_argument("--seconds", default="")
    arguments = parser.parse_args()
    sys.exit(quiet(arguments) if arguments.command == "quiet" else verify(arguments))


if __name__ == "__main__":
    main()
