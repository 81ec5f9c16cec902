-- Customers, their saved passengers and their subscriptions to flight updates.
-- Tables are unqualified: the runner and the runtime put the context's schema first on the search path.

CREATE TABLE customers (
    customer_id   uuid        PRIMARY KEY,
    -- Stored lower-cased; the unique index below is what settles two registrations racing for one email.
    email         text        NOT NULL CHECK (email = lower(email) AND email <> ''),
    name          text        NOT NULL CHECK (name <> ''),
    -- bcrypt only; the password itself is never stored, published or logged.
    password_hash text        NOT NULL CHECK (password_hash ~ '^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$'),
    roles         text[]      NOT NULL CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['customer', 'agent', 'admin']),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX customers_email_key ON customers (lower(email));

CREATE TABLE saved_passengers (
    customer_id    uuid    NOT NULL REFERENCES customers ON DELETE CASCADE,
    passenger_id   uuid    NOT NULL,
    -- Order in the customer's list, as last given.
    position       integer NOT NULL,
    first_name     text    NOT NULL,
    last_name      text    NOT NULL,
    date_of_birth  date    NOT NULL CHECK (date_of_birth >= DATE '1900-01-01'),
    loyalty_number text,
    PRIMARY KEY (customer_id, passenger_id)
);

CREATE TABLE subscriptions (
    subscription_id uuid        PRIMARY KEY,
    customer_id     uuid        NOT NULL REFERENCES customers ON DELETE CASCADE,
    -- As the flights context names the flight; this context never checks it exists.
    flight_id       uuid        NOT NULL,
    created_at      timestamptz NOT NULL,
    UNIQUE (customer_id, flight_id)
);
-- Who follows a flight, for operators and for a future "subscribers of a flight" query.
CREATE INDEX subscriptions_flight ON subscriptions (flight_id);
