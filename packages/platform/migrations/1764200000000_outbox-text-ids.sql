-- Up Migration
-- Event ids need not be UUIDs: the matching engine names its events <symbol>:<sequence>.
ALTER TABLE outbox ALTER COLUMN event_id TYPE text;

-- Down Migration
ALTER TABLE outbox ALTER COLUMN event_id TYPE uuid USING event_id::uuid;
