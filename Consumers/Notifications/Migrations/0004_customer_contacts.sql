-- What each customer chose, from customer.registered and customer.updated (v2, or v1 upcast):
-- which channels each kind of notice takes, and the phone number SMS go to. A customer not here
-- is told everything by email.
CREATE TABLE customer_contacts (
    customer_id    uuid        PRIMARY KEY,
    phone          text,
    confirmations  text[]      NOT NULL,
    reminders      text[]      NOT NULL,
    flight_changes text[]      NOT NULL,
    -- When the profile said so: an older event that arrives late changes nothing.
    as_of          timestamptz NOT NULL
);
