-- Up Migration
-- The relay's two questions each get an index of their own: rows to number, and numbered rows to
-- publish, in the order each is read. Every event passes through three row versions (written,
-- numbered, published), and the one index of all unpublished rows kept the dead versions of both
-- stages: the planner read them as a bitmap, which visits each dead version's heap page on every
-- poll and never marks it dead (a millisecond a poll and growing until a vacuum). An index scan of
-- these narrower indexes marks the dead entries on its first pass and skips them after.
CREATE INDEX outbox_to_number ON outbox (id) WHERE published_at IS NULL AND seq IS NULL;
CREATE INDEX outbox_to_publish ON outbox (seq, id) WHERE published_at IS NULL AND seq IS NOT NULL;

-- Down Migration
DROP INDEX outbox_to_publish;
DROP INDEX outbox_to_number;
