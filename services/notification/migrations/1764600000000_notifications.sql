-- Up Migration

-- The `notifications` table: each user's inbox. Written only by this service's consumers of
-- `executions:{SYMBOL}` and `wallet-events`; read and marked read through its internal API.
CREATE TABLE notifications (
  id              uuid PRIMARY KEY,
  -- insertion order: newest first even for rows written by one transaction (same created_at)
  seq             bigserial UNIQUE,
  user_id         uuid NOT NULL,
  type            text NOT NULL CHECK (type IN ('ORDER_ACCEPTED', 'ORDER_PARTIALLY_FILLED', 'ORDER_FILLED', 'ORDER_CANCELED',
                                                'ORDER_EXPIRED', 'ORDER_REJECTED', 'FUNDS_ADDED')),
  title           text NOT NULL,
  body            text NOT NULL,
  data            jsonb NOT NULL DEFAULT '{}'::jsonb,
  read            boolean NOT NULL DEFAULT false,
  read_at         timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- the stream event it tells of, and what in that event it is about (the order id; the
  -- transaction id for funds): one notification per user, type and subject per event, even when a
  -- stream delivers the event again after its processed_messages row is gone
  source_event_id text NOT NULL,
  dedupe_key      text NOT NULL,
  CONSTRAINT notifications_once UNIQUE (source_event_id, user_id, type, dedupe_key),
  CHECK (read = (read_at IS NOT NULL))
);

CREATE INDEX notifications_user_seq ON notifications (user_id, seq DESC);
CREATE INDEX notifications_user_unread ON notifications (user_id, seq DESC) WHERE NOT read;

-- What this service learned of each order from its `order_accepted` event (the engine's later events
-- name only the order): its owner, side, limit and size, in cents and shares. Closed orders are
-- kept a while (a `cancel_rejected` can still arrive for them), then purged.
CREATE TABLE tracked_orders (
  order_id     text PRIMARY KEY,
  user_id      uuid NOT NULL,
  symbol       text NOT NULL,
  side         text NOT NULL CHECK (side IN ('BUY', 'SELL')),
  -- NULL for a MARKET order
  price_cents  bigint CHECK (price_cents > 0),
  quantity     bigint NOT NULL CHECK (quantity > 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  closed_at    timestamptz
);

CREATE INDEX tracked_orders_closed ON tracked_orders (closed_at) WHERE closed_at IS NOT NULL;

-- Down Migration
DROP TABLE tracked_orders;
DROP TABLE notifications;
