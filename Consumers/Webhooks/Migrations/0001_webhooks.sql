-- Endpoints, the events owed to them, and the bindings that bring those events here.

CREATE TABLE webhook_endpoints (
    webhook_id uuid PRIMARY KEY,
    url text NOT NULL,
    -- As registered, for the list; and derived from them: the events exchange's binding keys
    -- and the POSIX regular expressions an event's type is matched against.
    events text[] NOT NULL,
    binding_keys text[] NOT NULL,
    type_patterns text[] NOT NULL,
    description text,
    state text NOT NULL DEFAULT 'enabled' CHECK (state IN ('enabled', 'disabled')),
    -- AES-GCM under AIRFLEET_WEBHOOK_SECRET_KEY, bound to the endpoint's id.
    secret bytea NOT NULL,
    secret_revealed boolean NOT NULL DEFAULT false,
    previous_secret bytea,
    previous_secret_expires_at timestamptz,
    registered_at timestamptz NOT NULL,
    failing_since timestamptz,
    -- A sender holds the endpoint until then; nobody tries it again before paused_until.
    leased_until timestamptz,
    paused_until timestamptz,
    disabled_at timestamptz,
    last_error text,
    last_delivered_at timestamptz
);

-- Each event once, however many endpoints it is owed to.
CREATE TABLE webhook_events (
    message_id text PRIMARY KEY,
    message_type text NOT NULL,
    body text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
    webhook_id uuid NOT NULL REFERENCES webhook_endpoints ON DELETE CASCADE,
    message_id text NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    last_error text,
    PRIMARY KEY (webhook_id, message_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (webhook_id, next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_done ON webhook_deliveries (delivered_at) WHERE state = 'delivered';

-- The binding keys the context's queue has on the events exchange, as this context made them.
CREATE TABLE webhook_bindings (
    binding_key text PRIMARY KEY
);
