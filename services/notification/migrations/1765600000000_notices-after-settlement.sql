-- Up Migration

-- Notices that wait: a fill is told once the wallet has settled its trade (its trade_settled), and
-- an order's notices after a fill still waiting wait behind it, so an owner reads an order's story
-- in the order it happened and never of a fill that was not settled.
CREATE TABLE waiting_notices (
  seq             bigserial PRIMARY KEY,
  id              uuid NOT NULL,
  order_id        text NOT NULL,
  trade_id        text,
  user_id         uuid NOT NULL,
  type            text NOT NULL,
  title           text NOT NULL,
  body            text NOT NULL,
  data            jsonb NOT NULL,
  source_event_id text NOT NULL,
  dedupe_key      text NOT NULL,
  -- the trace of the event that told of it, for the push when it is written
  traceparent     text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT waiting_notices_once UNIQUE (source_event_id, user_id, type, dedupe_key)
);
CREATE INDEX waiting_notices_order ON waiting_notices (order_id, seq);

-- Trades the wallet has settled, so a fill whose settlement came first is told at once.
CREATE TABLE settled_trades (
  trade_id   text PRIMARY KEY,
  settled_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE settled_trades;
DROP TABLE waiting_notices;
