-- One payment per booking, by a unique booking_id and a unique idempotency key derived from
-- it: however often payment.charge.v1 arrives, the provider is asked with one key.
-- No card number and no token is stored: only a masked token reference and the last four
-- digits the provider reports.
CREATE TABLE payments (
    payment_id         uuid PRIMARY KEY,
    booking_id         uuid NOT NULL UNIQUE,
    idempotency_key    text NOT NULL UNIQUE,
    customer_id        uuid NOT NULL,
    amount             bigint NOT NULL CHECK (amount > 0),
    currency           text NOT NULL,
    token_reference    text NOT NULL,
    state              text NOT NULL CHECK (state IN ('pending', 'captured', 'declined', 'failed')),
    card_last4         text,
    gateway_reference  text,
    reason             text,
    attempts           integer NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);

CREATE TABLE refunds (
    refund_id          uuid PRIMARY KEY,
    payment_id         uuid REFERENCES payments,
    booking_id         uuid NOT NULL,
    amount             bigint NOT NULL CHECK (amount > 0),
    state              text NOT NULL CHECK (state IN ('pending', 'refunded', 'failed')),
    reason             text NOT NULL,
    failure            text,
    gateway_reference  text,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX refunds_booking ON refunds (booking_id);
