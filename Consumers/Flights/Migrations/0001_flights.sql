-- Flights, their cabins' inventory, and seat holds. Aircraft layouts are Swift data
-- (Domain/AircraftLayouts.swift); a flight copies its cabins' seat counts here when scheduled.

CREATE TABLE airports (
    code       text PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
    name       text NOT NULL,
    city       text NOT NULL,
    country    text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    time_zone  text NOT NULL,
    latitude   double precision NOT NULL,
    longitude  double precision NOT NULL
);

CREATE TABLE flights (
    flight_id      uuid PRIMARY KEY,
    number         text NOT NULL,
    origin         text NOT NULL REFERENCES airports (code),
    destination    text NOT NULL REFERENCES airports (code),
    departure      timestamptz NOT NULL,
    arrival        timestamptz NOT NULL,
    aircraft_type  text NOT NULL,
    currency       text NOT NULL,
    status         text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'delayed', 'cancelled')),
    gate           text,
    cancel_reason  text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (arrival > departure),
    CHECK (origin <> destination)
);
-- Search reads one route on one day: an index range scan.
CREATE INDEX flights_route_departure ON flights (origin, destination, departure);

-- Seats and how many are gone (held + sold) per cabin, kept in step with seat_assignments
-- under the flight's row lock; search reads this instead of counting seats.
CREATE TABLE flight_cabins (
    flight_id  uuid NOT NULL REFERENCES flights ON DELETE CASCADE,
    cabin      text NOT NULL CHECK (cabin IN ('first', 'business', 'premium-economy', 'economy')),
    seats      integer NOT NULL CHECK (seats > 0),
    taken      integer NOT NULL DEFAULT 0,
    base_fare  bigint NOT NULL CHECK (base_fare > 0),
    PRIMARY KEY (flight_id, cabin),
    CHECK (taken >= 0 AND taken <= seats)
);

-- Every seats.hold.v1 ever handled, by holdId, with its outcome: a repeated command re-emits
-- it. status: held → confirmed | released | expired; rejected holds keep their reason.
-- A release that arrives before its hold leaves a 'released' row without a flight.
CREATE TABLE holds (
    hold_id          uuid PRIMARY KEY,
    booking_id       uuid,
    flight_id        uuid,
    cabin            text,
    status           text NOT NULL CHECK (status IN ('held', 'confirmed', 'released', 'expired', 'rejected')),
    reject_reason    text,
    rejected_seats   text[],
    seats            text[] NOT NULL DEFAULT '{}',
    price_per_seat   bigint,
    total            bigint,
    currency         text,
    expires_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    ended_at         timestamptz
);
CREATE INDEX holds_expiring ON holds (expires_at) WHERE status = 'held';
CREATE INDEX holds_flight_held ON holds (flight_id) WHERE status = 'held';

-- One row per held or sold seat. The primary key is the last word on "one seat, one hold":
-- even a bug in the locking could not give a seat to two holds.
CREATE TABLE seat_assignments (
    flight_id  uuid NOT NULL REFERENCES flights ON DELETE CASCADE,
    seat       text NOT NULL,
    cabin      text NOT NULL,
    hold_id    uuid NOT NULL REFERENCES holds,
    sold       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (flight_id, seat)
);
CREATE INDEX seat_assignments_hold ON seat_assignments (hold_id);
