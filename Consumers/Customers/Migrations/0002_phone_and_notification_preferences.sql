-- A customer's phone number and which channels each kind of notice takes (customer.*.v2).
-- Customers registered before had neither and were told everything by email, which the
-- defaults keep (NotificationPreferences.emailOnly says the same for new ones).
ALTER TABLE customers
    ADD COLUMN phone text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    ADD COLUMN notify_confirmations  text[] NOT NULL DEFAULT ARRAY['email'] CHECK (notify_confirmations  <@ ARRAY['email', 'sms', 'push']),
    ADD COLUMN notify_reminders      text[] NOT NULL DEFAULT ARRAY['email'] CHECK (notify_reminders      <@ ARRAY['email', 'sms', 'push']),
    ADD COLUMN notify_flight_changes text[] NOT NULL DEFAULT ARRAY['email'] CHECK (notify_flight_changes <@ ARRAY['email', 'sms', 'push']);
