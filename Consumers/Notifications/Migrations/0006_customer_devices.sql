-- The devices each customer registered for push notices (device.registered/unregistered).
CREATE TABLE customer_devices (
    customer_id uuid NOT NULL,
    device_id   uuid NOT NULL,
    token       text NOT NULL,
    platform    text NOT NULL,
    PRIMARY KEY (customer_id, device_id)
);
