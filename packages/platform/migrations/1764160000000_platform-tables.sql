-- Up Migration
-- Tables the platform's helpers keep inside a service's own schema (services opt in).

-- Transactional outbox: events written in the same transaction as the change they announce,
-- relayed to Redis streams afterwards (at least once).
CREATE TABLE outbox (
  id            bigserial PRIMARY KEY,
  event_id      uuid NOT NULL,
  stream        text NOT NULL,
  type          text NOT NULL,
  payload       jsonb NOT NULL,
  trace_context jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Stripe-style idempotency keys: the first answer, stored in the transaction that had the effect.
CREATE TABLE idempotency_keys (
  scope           text NOT NULL,
  key             text NOT NULL,
  request_hash    text NOT NULL,
  response_status integer NOT NULL,
  response_body   jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);

-- Messages an idempotent consumer has already applied, per consumer group.
CREATE TABLE processed_messages (
  consumer_group text NOT NULL,
  event_id       text NOT NULL,
  processed_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);

-- Down Migration
DROP TABLE processed_messages;
DROP TABLE idempotency_keys;
DROP TABLE outbox;
