-- Up Migration
-- Each event gets a number in its stream when the relay first publishes it (1, 2, 3, … per stream);
-- a consumer applies a stream's events in that order, notices a gap (events Redis lost) and asks
-- the producer to publish them again from its outbox.
ALTER TABLE outbox ADD COLUMN seq bigint;
CREATE UNIQUE INDEX outbox_stream_seq ON outbox (stream, seq) WHERE seq IS NOT NULL;

-- The last number given in each stream this service produces.
CREATE TABLE outbox_sequences (
  stream   text PRIMARY KEY,
  last_seq bigint NOT NULL
);

-- The last number a consumer group of this service applied, per stream.
CREATE TABLE stream_positions (
  consumer_group text NOT NULL,
  stream         text NOT NULL,
  last_seq       bigint NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, stream)
);

-- Down Migration
DROP TABLE stream_positions;
DROP TABLE outbox_sequences;
DROP INDEX outbox_stream_seq;
ALTER TABLE outbox DROP COLUMN seq;
