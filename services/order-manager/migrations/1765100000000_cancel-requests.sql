-- Up Migration

-- How many times the owner asked to cancel: each request is a command of its own to the engine
-- (a cancel asked again after the engine refused one is a new command, not a duplicate).
ALTER TABLE orders ADD COLUMN cancel_requests integer NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE orders DROP COLUMN cancel_requests;
