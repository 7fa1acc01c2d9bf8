-- Up Migration

-- The version of each logged event's contract, so a rebuild reads it as the version it was written in.
ALTER TABLE report_events ADD COLUMN version integer NOT NULL DEFAULT 1;

-- Down Migration

ALTER TABLE report_events DROP COLUMN version;
