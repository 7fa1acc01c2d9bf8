-- Up Migration

-- The raw log: every event this service consumed, as it came, in the order it was applied. The read
-- models below are derived from it (in the same transaction as its row), and `npm run
-- reports:rebuild` derives them again from it alone. Nothing here is read from another service.
CREATE TABLE report_events (
  seq             bigserial PRIMARY KEY,
  source_stream   text NOT NULL,
  event_id        text NOT NULL,
  type            text NOT NULL,
  data            jsonb NOT NULL,
  -- the engine's executedAt for executions; the stream entry's time for wallet events (they carry none)
  occurred_at     timestamptz NOT NULL,
  -- the market's units when an execution was received (they never change), so a rebuild needs no other service
  tick_size_cents bigint,
  lot_size        bigint,
  received_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT report_events_once UNIQUE (source_stream, event_id)
);

-- Every movement of a user's balance (available + held) per asset, in minor units (cents, shares), signed.
CREATE TABLE report_ledger_entries (
  event_seq   bigint NOT NULL REFERENCES report_events (seq),
  entry_no    smallint NOT NULL,
  user_id     text NOT NULL,
  asset       text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('DEPOSIT', 'CREDIT', 'TRADE', 'FEE')),
  amount      bigint NOT NULL CHECK (amount <> 0),
  reference   text NOT NULL,
  symbol      text,
  side        text CHECK (side IN ('BUY', 'SELL')),
  occurred_at timestamptz NOT NULL,
  PRIMARY KEY (event_seq, entry_no)
);
CREATE INDEX report_ledger_entries_user ON report_ledger_entries (user_id, asset, occurred_at, event_seq, entry_no);

-- Each user's side of each settled trade.
CREATE TABLE report_fills (
  event_seq      bigint NOT NULL REFERENCES report_events (seq),
  trade_id       text NOT NULL,
  side           text NOT NULL CHECK (side IN ('BUY', 'SELL')),
  user_id        text NOT NULL,
  order_id       text NOT NULL,
  symbol         text NOT NULL,
  price_cents    bigint NOT NULL,
  quantity       bigint NOT NULL,
  notional_cents bigint NOT NULL,
  fee_cents      bigint NOT NULL,
  occurred_at    timestamptz NOT NULL,
  PRIMARY KEY (trade_id, side)
);
CREATE INDEX report_fills_user ON report_fills (user_id, occurred_at, event_seq);

-- Weighted-average-cost positions (README, "Reports"): cost basis in cents, including buy fees.
CREATE TABLE report_positions (
  user_id        text NOT NULL,
  symbol         text NOT NULL,
  quantity       bigint NOT NULL CHECK (quantity >= 0),
  cost_cents     bigint NOT NULL CHECK (cost_cents >= 0),
  realized_cents bigint NOT NULL,
  PRIMARY KEY (user_id, symbol)
);

-- The engine's trades, in cents and shares (the last one gives a symbol's market price).
CREATE TABLE report_trades (
  symbol         text NOT NULL,
  trade_no       bigint NOT NULL,
  price_cents    bigint NOT NULL,
  quantity       bigint NOT NULL,
  notional_cents bigint NOT NULL,
  taker_side     text NOT NULL,
  executed_at    timestamptz NOT NULL,
  PRIMARY KEY (symbol, trade_no)
);

-- Exchange volumes per symbol and UTC day.
CREATE TABLE report_volume_daily (
  symbol         text NOT NULL,
  day            date NOT NULL,
  accepted       bigint NOT NULL DEFAULT 0,
  filled         bigint NOT NULL DEFAULT 0,
  canceled       bigint NOT NULL DEFAULT 0,
  expired        bigint NOT NULL DEFAULT 0,
  rejected       bigint NOT NULL DEFAULT 0,
  trades         bigint NOT NULL DEFAULT 0,
  quantity       bigint NOT NULL DEFAULT 0,
  notional_cents bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (symbol, day)
);

-- Down Migration
DROP TABLE report_volume_daily;
DROP TABLE report_trades;
DROP TABLE report_positions;
DROP TABLE report_fills;
DROP TABLE report_ledger_entries;
DROP TABLE report_events;
