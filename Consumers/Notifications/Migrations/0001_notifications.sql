-- The notifications context's read model: what the events of bookings, flights and customers
-- told it, the reminders it owes, and the delivery ledger (one row per email it may send).

CREATE TABLE flights (
    flight_id   uuid PRIMARY KEY,
    number      text NOT NULL,
    origin      text NOT NULL,
    destination text NOT NULL,
    departure   timestamptz NOT NULL,
    arrival     timestamptz NOT NULL,
    gate        text,
    status      text NOT NULL DEFAULT 'scheduled',
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- IATA code to IANA time zone, for local times in emails. The events carry codes, not zones;
-- seeded with the airports the flights context seeds, and kept by airport.list.v1 answers if added.
CREATE TABLE airports (
    code      text PRIMARY KEY,
    time_zone text NOT NULL
);
INSERT INTO airports (code, time_zone) VALUES
    ('JFK', 'America/New_York'),
    ('LAX', 'America/Los_Angeles'),
    ('ORD', 'America/Chicago'),
    ('ATL', 'America/New_York'),
    ('DFW', 'America/Chicago'),
    ('DEN', 'America/Denver'),
    ('SFO', 'America/Los_Angeles'),
    ('SEA', 'America/Los_Angeles'),
    ('MIA', 'America/New_York'),
    ('BOS', 'America/New_York'),
    ('IAD', 'America/New_York'),
    ('PHX', 'America/Phoenix'),
    ('HNL', 'Pacific/Honolulu'),
    ('YYZ', 'America/Toronto'),
    ('YVR', 'America/Vancouver'),
    ('MEX', 'America/Mexico_City'),
    ('GRU', 'America/Sao_Paulo'),
    ('EZE', 'America/Argentina/Buenos_Aires'),
    ('BOG', 'America/Bogota'),
    ('SCL', 'America/Santiago'),
    ('LHR', 'Europe/London'),
    ('LGW', 'Europe/London'),
    ('CDG', 'Europe/Paris'),
    ('AMS', 'Europe/Amsterdam'),
    ('FRA', 'Europe/Berlin'),
    ('MUC', 'Europe/Berlin'),
    ('MAD', 'Europe/Madrid'),
    ('BCN', 'Europe/Madrid'),
    ('FCO', 'Europe/Rome'),
    ('ZRH', 'Europe/Zurich'),
    ('VIE', 'Europe/Vienna'),
    ('CPH', 'Europe/Copenhagen'),
    ('DUB', 'Europe/Dublin'),
    ('LIS', 'Europe/Lisbon'),
    ('IST', 'Europe/Istanbul'),
    ('DXB', 'Asia/Dubai'),
    ('DOH', 'Asia/Qatar'),
    ('JNB', 'Africa/Johannesburg'),
    ('CAI', 'Africa/Cairo'),
    ('NBO', 'Africa/Nairobi'),
    ('DEL', 'Asia/Kolkata'),
    ('BOM', 'Asia/Kolkata'),
    ('SIN', 'Asia/Singapore'),
    ('HKG', 'Asia/Hong_Kong'),
    ('NRT', 'Asia/Tokyo'),
    ('HND', 'Asia/Tokyo'),
    ('ICN', 'Asia/Seoul'),
    ('PEK', 'Asia/Shanghai'),
    ('PVG', 'Asia/Shanghai'),
    ('BKK', 'Asia/Bangkok'),
    ('SYD', 'Australia/Sydney'),
    ('MEL', 'Australia/Melbourne'),
    ('AKL', 'Pacific/Auckland')
ON CONFLICT DO NOTHING;

CREATE TABLE bookings (
    booking_id    uuid PRIMARY KEY,
    customer_id   uuid NOT NULL,
    flight_id     uuid NOT NULL,
    pnr           text,
    cabin         text,
    passengers    jsonb NOT NULL DEFAULT '[]',
    total         integer,
    currency      text,
    contact_email text NOT NULL,
    state         text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bookings_flight ON bookings (flight_id) WHERE state = 'confirmed';
CREATE INDEX bookings_customer ON bookings (customer_id);

CREATE TABLE subscriptions (
    subscription_id uuid PRIMARY KEY,
    customer_id     uuid NOT NULL,
    flight_id       uuid NOT NULL,
    email           text NOT NULL,
    active          boolean NOT NULL DEFAULT true
);
CREATE INDEX subscriptions_flight ON subscriptions (flight_id) WHERE active;

-- Reminders owed to confirmed bookings; a delay moves due_at, a cancellation deletes the row.
CREATE TABLE reminders (
    booking_id uuid NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('reminder-24h', 'reminder-2h')),
    due_at     timestamptz NOT NULL,
    sent_at    timestamptz,
    PRIMARY KEY (booking_id, kind)
);
CREATE INDEX reminders_due ON reminders (due_at) WHERE sent_at IS NULL;

-- The delivery ledger: written (on a connection of its own, committed at once) before an email
-- is handed to the SMTP server, and settled after. See Consumers/Notifications/README.md.
CREATE TABLE deliveries (
    delivery_key    text PRIMARY KEY,
    kind            text NOT NULL,
    booking_id      uuid,
    subscription_id uuid,
    customer_id     uuid,
    flight_id       uuid,
    recipient       text NOT NULL,
    message_id      text NOT NULL,
    state           text NOT NULL CHECK (state IN ('sending', 'sent', 'retrying', 'failed')),
    attempts        integer NOT NULL DEFAULT 1,
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_booking ON deliveries (booking_id, created_at);
CREATE INDEX deliveries_customer ON deliveries (customer_id, created_at);

-- The clock reminders are due by: the database's time plus an offset that tests (and an
-- operator rehearsing a day) move with UPDATE clock SET offset_ms = ...
CREATE TABLE clock (
    id        boolean PRIMARY KEY DEFAULT true CHECK (id),
    offset_ms bigint NOT NULL DEFAULT 0
);
INSERT INTO clock DEFAULT VALUES;
