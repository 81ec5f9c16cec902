-- The runtime's own tables, in every context's schema.

-- Message ids already handled here: a redelivered or republished message meets its row and is skipped.
CREATE TABLE inbox (
    message_id   text        PRIMARY KEY,
    message_type text        NOT NULL,
    handled_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbox_handled_at ON inbox (handled_at);

-- Messages emitted by committed handlers and not yet confirmed by the broker.
CREATE TABLE outbox (
    id             text        PRIMARY KEY,
    exchange       text        NOT NULL,
    routing_key    text        NOT NULL,
    correlation_id text,
    source         text        NOT NULL,
    body           text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_created_at ON outbox (created_at);

-- Messages whose handling a process started on a redelivery: a row that survives counts the
-- processes that died while handling it.
CREATE TABLE poison_suspects (
    message_id text        PRIMARY KEY,
    starts     integer     NOT NULL,
    last_seen  timestamptz NOT NULL DEFAULT now()
);
