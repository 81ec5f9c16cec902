-- Where the caller that started the chain waits for its outcome (an ingress's private queue):
-- each message published from the outbox is also copied there.
ALTER TABLE outbox ADD COLUMN reply_to text;
