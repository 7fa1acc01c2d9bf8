-- Up Migration

-- One account per user per asset (USD in cents, shares in whole units), plus the exchange's system
-- accounts. A user's balances are kept up to date in place; a system account's balance is the sum of
-- its postings (see system_balances), so deposits never queue behind one hot row.
CREATE TABLE wallets (
  id              bigserial PRIMARY KEY,
  user_id         uuid,
  system_account  text,
  asset           text NOT NULL,
  available       bigint NOT NULL DEFAULT 0,
  held            bigint NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT wallets_one_owner CHECK ((user_id IS NULL) <> (system_account IS NULL)),
  -- the database, not only the code, refuses a negative balance
  CONSTRAINT wallets_non_negative CHECK (available >= 0 AND held >= 0),
  CONSTRAINT wallets_system_not_in_place CHECK (system_account IS NULL OR (available = 0 AND held = 0))
);
CREATE UNIQUE INDEX wallets_user_asset ON wallets (user_id, asset) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX wallets_system_asset ON wallets (system_account, asset) WHERE system_account IS NOT NULL;

-- Journal entries. (type, reference) is the caller's idempotency reference: a retried block, release
-- or settlement finds its first entry instead of posting a second one.
CREATE TABLE transactions (
  id            uuid PRIMARY KEY,
  type          text NOT NULL,
  reference     text,
  initiated_by  uuid,
  details       jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT transactions_type_check CHECK (type IN ('DEPOSIT', 'CREDIT', 'BLOCK', 'RELEASE', 'TRADE')),
  CONSTRAINT transactions_type_reference UNIQUE (type, reference)
);

-- Lines of a journal entry: how much one account's available and held balances moved.
CREATE TABLE postings (
  id                bigserial PRIMARY KEY,
  transaction_id    uuid NOT NULL REFERENCES transactions (id),
  wallet_id         bigint NOT NULL REFERENCES wallets (id),
  asset             text NOT NULL,
  available_change  bigint NOT NULL,
  held_change       bigint NOT NULL,
  -- balances after this line, for user accounts (system accounts are not kept in place)
  available_after   bigint,
  held_after        bigint,
  created_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT postings_moves_something CHECK (available_change <> 0 OR held_change <> 0)
);
CREATE INDEX postings_wallet ON postings (wallet_id, id DESC);
CREATE INDEX postings_transaction ON postings (transaction_id);

-- Double entry, enforced at commit: within one journal entry, per asset, the lines sum to zero.
CREATE FUNCTION check_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  unbalanced record;
BEGIN
  SELECT asset, sum(available_change + held_change) AS off_by INTO unbalanced
    FROM postings WHERE transaction_id = NEW.transaction_id
    GROUP BY asset HAVING sum(available_change + held_change) <> 0 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'journal entry % does not balance in %: off by %', NEW.transaction_id, unbalanced.asset, unbalanced.off_by
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER postings_balanced AFTER INSERT ON postings
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_transaction_balanced();

-- Funds set aside for an order (TigerBeetle's pending transfer): what is left of a hold is part of
-- its account's held balance until it is settled or released.
CREATE TABLE holds (
  reference   text PRIMARY KEY,
  user_id     uuid NOT NULL,
  wallet_id   bigint NOT NULL REFERENCES wallets (id),
  asset       text NOT NULL,
  amount      bigint NOT NULL,
  remaining   bigint NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT holds_amount_positive CHECK (amount > 0),
  CONSTRAINT holds_remaining_in_range CHECK (remaining >= 0 AND remaining <= amount)
);
CREATE INDEX holds_open_by_wallet ON holds (wallet_id) WHERE remaining > 0;

CREATE VIEW system_balances AS
  SELECT w.system_account, w.asset, coalesce(sum(p.available_change + p.held_change), 0)::bigint AS balance
    FROM wallets w LEFT JOIN postings p ON p.wallet_id = w.id
   WHERE w.system_account IS NOT NULL
   GROUP BY w.system_account, w.asset;

-- EXTERNAL is the world outside the exchange (deposits come from it); FEES is the exchange's revenue.
INSERT INTO wallets (system_account, asset) VALUES ('EXTERNAL', 'USD'), ('FEES', 'USD');

-- Down Migration
DROP VIEW system_balances;
DROP TABLE holds;
DROP TRIGGER postings_balanced ON postings;
DROP FUNCTION check_transaction_balanced();
DROP TABLE postings;
DROP TABLE transactions;
DROP TABLE wallets;
