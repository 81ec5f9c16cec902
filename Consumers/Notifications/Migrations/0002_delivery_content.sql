-- At least once: the rendered email is kept in its ledger row, so that an email left `sending`
-- by a process that died is sent again, the same message with the same Message-ID, by whichever
-- process finds it once the grace period has passed (Consumers/Notifications/README.md).
ALTER TABLE deliveries ADD COLUMN content jsonb;
CREATE INDEX deliveries_in_doubt ON deliveries (updated_at) WHERE state = 'sending';
