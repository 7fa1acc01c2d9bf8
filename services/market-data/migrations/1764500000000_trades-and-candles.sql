-- Up Migration

-- The public tape: every trade of every market, as the engine reported it on executions:{SYMBOL},
-- in cents and shares. Written in the same transaction as the event's processed_messages row.
CREATE TABLE trades (
  symbol       text NOT NULL,
  -- the engine's trade id, per symbol (the public id is `SYMBOL:trade_id`)
  trade_id     bigint NOT NULL CHECK (trade_id > 0),
  -- the engine's event sequence of the trade, per symbol
  sequence     bigint NOT NULL CHECK (sequence > 0),
  price_cents  bigint NOT NULL CHECK (price_cents > 0),
  quantity     bigint NOT NULL CHECK (quantity > 0),
  taker_side   text NOT NULL CHECK (taker_side IN ('BUY', 'SELL')),
  executed_at  timestamptz NOT NULL,
  PRIMARY KEY (symbol, trade_id)
);

-- the 24 h ticker reads a window of one symbol's trades (index-only)
CREATE INDEX trades_symbol_executed_at ON trades (symbol, executed_at) INCLUDE (trade_id, price_cents, quantity);

-- OHLCV per symbol, interval and bucket (open_time = the trade time floored to the interval, UTC).
-- A period without a trade has no row. first/last_sequence make the merge of a later batch
-- order-correct: open is the first trade's price by sequence, close the last one's.
CREATE TABLE candles (
  symbol          text NOT NULL,
  interval        text NOT NULL CHECK (interval IN ('1m', '5m', '1h', '1d')),
  open_time       timestamptz NOT NULL,
  open_cents      bigint NOT NULL CHECK (open_cents > 0),
  high_cents      bigint NOT NULL,
  low_cents       bigint NOT NULL CHECK (low_cents > 0),
  close_cents     bigint NOT NULL CHECK (close_cents > 0),
  volume          bigint NOT NULL CHECK (volume > 0),
  first_sequence  bigint NOT NULL,
  last_sequence   bigint NOT NULL CHECK (last_sequence >= first_sequence),
  PRIMARY KEY (symbol, interval, open_time),
  CHECK (low_cents <= open_cents AND open_cents <= high_cents AND low_cents <= close_cents AND close_cents <= high_cents)
);

-- Down Migration
DROP TABLE candles;
DROP TABLE trades;
