-- The sandbox payment provider's own books (SandboxGateway): what a real provider would keep
-- on its side. Here so that every payments process talks to one "provider". Written on the
-- sandbox's own connection, never in a handler's transaction; unused with a real provider.
CREATE TABLE sandbox_calls (
    idempotency_key  text PRIMARY KEY,
    calls            integer NOT NULL
);

CREATE TABLE sandbox_charges (
    idempotency_key  text PRIMARY KEY,
    reference        text NOT NULL UNIQUE,
    outcome          text NOT NULL CHECK (outcome IN ('captured', 'declined')),
    decline_reason   text,
    last4            text,
    amount           bigint NOT NULL,
    currency         text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sandbox_refunds (
    idempotency_key   text PRIMARY KEY,
    charge_reference  text NOT NULL REFERENCES sandbox_charges (reference),
    amount            bigint NOT NULL,
    reference         text NOT NULL UNIQUE,
    created_at        timestamptz NOT NULL DEFAULT now()
);
