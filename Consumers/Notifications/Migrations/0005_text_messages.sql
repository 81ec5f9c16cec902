-- Notices sent through the SMS gateway, one row per (notice, channel): a row `sent` is never
-- sent again; any other outcome is tried again when its message comes back, and the gateway
-- folds copies by the delivery's key (its webhook-id).
CREATE TABLE gateway_deliveries (
    delivery_key text        PRIMARY KEY,
    channel      text        NOT NULL CHECK (channel IN ('sms', 'push')),
    customer_id  uuid,
    recipient    text        NOT NULL,
    state        text        NOT NULL CHECK (state IN ('sent', 'retrying', 'failed')),
    attempts     integer     NOT NULL,
    error        text,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gateway_deliveries_customer ON gateway_deliveries (customer_id);
