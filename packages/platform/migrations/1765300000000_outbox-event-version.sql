-- Up Migration
-- Each event's contract version travels with it (the stream entry's `v` field).
ALTER TABLE outbox ADD COLUMN version integer NOT NULL DEFAULT 1;

-- Down Migration
ALTER TABLE outbox DROP COLUMN version;
