-- The rendered email is written once per claim and read only to send it again, while its
-- delivery row changes state at every claim and settle. Kept in the row, each settle copied the
-- whole email (about 2 KB) into a new row version and the write-ahead log; kept apart, a settle
-- rewrites a row of a few hundred bytes.
CREATE TABLE delivery_contents (
    delivery_key  text PRIMARY KEY,
    content       jsonb NOT NULL
);
INSERT INTO delivery_contents (delivery_key, content)
SELECT delivery_key, content FROM deliveries WHERE content IS NOT NULL;
ALTER TABLE deliveries DROP COLUMN content;
