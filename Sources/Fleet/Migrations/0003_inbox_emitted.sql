-- What a handled message emitted, kept with its inbox row (see EmittedMessages): a batch writes
-- one row per message instead of an inbox row plus an outbox row inserted and deleted for each
-- message it emitted. The outbox keeps what scheduled jobs emit, which no delivery brings back.
ALTER TABLE inbox ADD COLUMN emitted text;
-- Rows of a batch are written once and read back only after a crash: keep them uncompressed up
-- to a page, and use the cheap compression beyond.
ALTER TABLE inbox ALTER COLUMN emitted SET COMPRESSION lz4;
ALTER TABLE inbox SET (toast_tuple_target = 8160);
