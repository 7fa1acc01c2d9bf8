-- Up Migration

-- The instrument registry. Prices are integer cents, quantities whole shares; every resting order
-- and every engine event is counted in this market's ticks and lots, so tick and lot size never
-- change once a market exists (markets_terms_fixed below).
CREATE TABLE markets (
  symbol                 text PRIMARY KEY,
  name                   text NOT NULL,
  tick_size_cents        bigint NOT NULL,
  lot_size               bigint NOT NULL,
  reference_price_cents  bigint NOT NULL,
  status                 text NOT NULL DEFAULT 'TRADING',
  maker_fee_bps          integer NOT NULL,
  taker_fee_bps          integer NOT NULL,
  min_quantity           bigint NOT NULL,
  max_quantity           bigint NOT NULL,
  max_notional_cents     bigint NOT NULL,
  price_collar_bps       integer NOT NULL,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT markets_symbol_format CHECK (symbol ~ '^[A-Z][A-Z0-9.]{0,11}$'),
  CONSTRAINT markets_name_present CHECK (length(btrim(name)) > 0),
  CONSTRAINT markets_status_check CHECK (status IN ('TRADING', 'HALTED')),
  CONSTRAINT markets_tick_positive CHECK (tick_size_cents > 0),
  CONSTRAINT markets_lot_positive CHECK (lot_size > 0),
  CONSTRAINT markets_reference_on_tick CHECK (reference_price_cents > 0 AND reference_price_cents % tick_size_cents = 0),
  CONSTRAINT markets_fees_bps CHECK (maker_fee_bps BETWEEN 0 AND 10000 AND taker_fee_bps BETWEEN 0 AND 10000),
  CONSTRAINT markets_quantities CHECK (
    min_quantity > 0 AND min_quantity <= max_quantity
    AND min_quantity % lot_size = 0 AND max_quantity % lot_size = 0
  ),
  CONSTRAINT markets_max_notional_positive CHECK (max_notional_cents > 0),
  CONSTRAINT markets_collar_bps CHECK (price_collar_bps BETWEEN 1 AND 10000)
);

CREATE FUNCTION markets_terms_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.symbol <> OLD.symbol OR NEW.tick_size_cents <> OLD.tick_size_cents OR NEW.lot_size <> OLD.lot_size THEN
    RAISE EXCEPTION 'market %: symbol, tick size and lot size never change', OLD.symbol
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER markets_terms_fixed BEFORE UPDATE ON markets
  FOR EACH ROW EXECUTE FUNCTION markets_terms_fixed();

-- Per-user limits. A NULL limit means "the risk-manager's default" (for max_notional_cents: the
-- market's limit only); a user without a row has every default and no kill switch.
CREATE TABLE risk_limits (
  user_id                uuid PRIMARY KEY,
  max_open_orders        integer,
  max_orders_per_minute  integer,
  max_notional_cents     bigint,
  kill_switch            boolean NOT NULL DEFAULT false,
  updated_at             timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT risk_limits_open_orders CHECK (max_open_orders >= 0),
  CONSTRAINT risk_limits_orders_per_minute CHECK (max_orders_per_minute >= 0),
  CONSTRAINT risk_limits_notional_positive CHECK (max_notional_cents > 0)
);

-- Down Migration
DROP TABLE risk_limits;
DROP TABLE markets;
DROP FUNCTION markets_terms_fixed();
