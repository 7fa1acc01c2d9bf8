-- Up Migration

-- A release that finds no hold (its block was refused, or has not committed yet) voids the
-- reference: a block that arrives later with it is refused, so a slow block can never leave funds
-- held for an order its caller already gave up on.
CREATE TABLE voided_holds (
  reference  text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE voided_holds;
