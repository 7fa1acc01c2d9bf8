-- Up Migration
-- Published events stay for a while (OUTBOX_RETENTION_MS): Redis keeps nothing on disk here, and
-- when it restarts the relay publishes again what the lost instance had.
ALTER TABLE outbox ADD COLUMN published_at timestamptz, ADD COLUMN published_to text;
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;

-- Down Migration
DROP INDEX outbox_published;
DROP INDEX outbox_unpublished;
ALTER TABLE outbox DROP COLUMN published_to, DROP COLUMN published_at;
