-- Up Migration

-- The `orders` table. Money in cents, quantities in shares, both BIGINT. A row is PENDING
-- only while its placement runs (between the funds hold and the commit that publishes it); a
-- placement that dies there is undone by the janitor (hold released, row deleted).
CREATE TABLE orders (
  id                   uuid PRIMARY KEY,
  -- placement order, for cursor pages
  seq                  bigserial UNIQUE,
  user_id              uuid NOT NULL,
  client_order_id      text,
  request_hash         text NOT NULL,
  symbol               text NOT NULL,
  side                 text NOT NULL CHECK (side IN ('BUY', 'SELL')),
  type                 text NOT NULL CHECK (type IN ('LIMIT', 'MARKET')),
  time_in_force        text NOT NULL CHECK (time_in_force IN ('GTC', 'IOC', 'FOK')),
  post_only            boolean NOT NULL DEFAULT false,
  -- LIMIT: the limit; MARKET: NULL (protection_price_cents bounds it)
  price_cents          bigint CHECK (price_cents > 0),
  protection_price_cents bigint CHECK (protection_price_cents > 0),
  quantity             bigint NOT NULL CHECK (quantity > 0),
  filled_quantity      bigint NOT NULL DEFAULT 0 CHECK (filled_quantity >= 0 AND filled_quantity <= quantity),
  filled_notional_cents bigint NOT NULL DEFAULT 0 CHECK (filled_notional_cents >= 0),
  fees_cents           bigint NOT NULL DEFAULT 0 CHECK (fees_cents >= 0),
  status               text NOT NULL CHECK (status IN ('PENDING', 'NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED')),
  reject_reason        text,
  cancel_requested     boolean NOT NULL DEFAULT false,
  -- the market's units and fees when the order was placed: its hold was computed from them
  tick_size_cents      bigint NOT NULL CHECK (tick_size_cents > 0),
  lot_size             bigint NOT NULL CHECK (lot_size > 0),
  maker_fee_bps        integer NOT NULL CHECK (maker_fee_bps >= 0),
  taker_fee_bps        integer NOT NULL CHECK (taker_fee_bps >= 0),
  hold_asset           text NOT NULL,
  hold_amount          bigint NOT NULL CHECK (hold_amount > 0),
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CHECK ((type = 'LIMIT') = (price_cents IS NOT NULL))
);

CREATE INDEX orders_user_seq ON orders (user_id, seq DESC);
CREATE INDEX orders_open ON orders (user_id) WHERE status IN ('PENDING', 'NEW', 'PARTIALLY_FILLED');
CREATE INDEX orders_pending ON orders (created_at) WHERE status = 'PENDING';
-- clientOrderId: unique per user among open orders
CREATE UNIQUE INDEX orders_client_order_id_open ON orders (user_id, client_order_id)
  WHERE client_order_id IS NOT NULL AND status IN ('PENDING', 'NEW', 'PARTIALLY_FILLED');
CREATE INDEX orders_client_order_id ON orders (user_id, client_order_id, created_at DESC) WHERE client_order_id IS NOT NULL;

-- Each side of each trade, as its owner sees it.
CREATE TABLE fills (
  id            text PRIMARY KEY,
  seq           bigserial UNIQUE,
  trade_id      text NOT NULL,
  order_id      uuid NOT NULL REFERENCES orders (id),
  user_id       uuid NOT NULL,
  symbol        text NOT NULL,
  side          text NOT NULL CHECK (side IN ('BUY', 'SELL')),
  price_cents   bigint NOT NULL CHECK (price_cents > 0),
  quantity      bigint NOT NULL CHECK (quantity > 0),
  fee_cents     bigint NOT NULL CHECK (fee_cents >= 0),
  liquidity     text NOT NULL CHECK (liquidity IN ('MAKER', 'TAKER')),
  sequence      bigint NOT NULL,
  executed_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX fills_user_seq ON fills (user_id, seq DESC);
CREATE INDEX fills_order ON fills (order_id);

-- Down Migration
DROP TABLE fills;
DROP TABLE orders;
