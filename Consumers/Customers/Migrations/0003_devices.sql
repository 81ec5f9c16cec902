-- The devices a customer registered for push notices; the device id is the publisher's, per customer.
CREATE TABLE devices (
    customer_id   uuid        NOT NULL REFERENCES customers ON DELETE CASCADE,
    device_id     uuid        NOT NULL,
    token         text        NOT NULL CHECK (token ~ '^[!-~]+$' AND length(token) <= 4096),
    platform      text        NOT NULL CHECK (platform IN ('ios', 'android', 'web')),
    registered_at timestamptz NOT NULL,
    PRIMARY KEY (customer_id, device_id)
);
