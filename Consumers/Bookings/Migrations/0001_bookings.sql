-- The booking saga's state, one row per booking. Every change is a guarded transition: the
-- handlers lock the row (SELECT … FOR UPDATE), decide with BookingSaga, and update it
-- WHERE state = the state they decided from.

CREATE TABLE bookings (
    booking_id       uuid PRIMARY KEY,
    customer_id      uuid NOT NULL,
    flight_id        uuid NOT NULL,
    cabin            text NOT NULL,
    -- [{firstName, lastName, dateOfBirth, seat, ticketNumber}]
    passengers       jsonb NOT NULL,
    contact_email    text NOT NULL,
    -- Kept only until the charge is sent, then cleared.
    payment_token    text,
    idempotency_key  text,
    -- SHA-256 of the request without its bookingId: same key + same fingerprint = same booking.
    fingerprint      text NOT NULL,
    state            text NOT NULL CHECK (state IN ('requested', 'seats-held', 'paid', 'confirmed', 'failed', 'expired', 'cancelled')),
    reason           text,
    detail           text,
    hold_id          uuid NOT NULL UNIQUE,
    seats            text[] NOT NULL DEFAULT '{}',
    price_per_seat   bigint,
    total            bigint,
    currency         text,
    hold_expires_at  timestamptz,
    departure        timestamptz,
    pnr              text UNIQUE,
    captured         bigint,
    refund_id        uuid,
    refund_amount    bigint,
    refund_status    text CHECK (refund_status IN ('pending', 'refunded', 'failed')),
    cancelled_by     uuid,
    -- When the saga stops waiting for the answer to its current step (the timeout job).
    deadline_at      timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    confirmed_at     timestamptz,
    closed_at        timestamptz
);
CREATE UNIQUE INDEX bookings_idempotency ON bookings (customer_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX bookings_customer ON bookings (customer_id, created_at DESC);
CREATE INDEX bookings_flight ON bookings (flight_id, created_at DESC);
CREATE INDEX bookings_deadline ON bookings (deadline_at) WHERE deadline_at IS NOT NULL;

-- Record locators ever given, so a draw that collides is seen without an error in the
-- transaction (INSERT … ON CONFLICT DO NOTHING).
CREATE TABLE record_locators (
    pnr         text PRIMARY KEY,
    booking_id  uuid NOT NULL UNIQUE
);

CREATE SEQUENCE ticket_serial;
