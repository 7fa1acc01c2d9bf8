-- Up Migration

-- A line's asset is its account's asset: the double-entry check groups lines by asset, so a line
-- claiming another asset than its account's could move shares against cash.
ALTER TABLE wallets ADD CONSTRAINT wallets_id_asset UNIQUE (id, asset);
ALTER TABLE postings ADD CONSTRAINT postings_wallet_asset FOREIGN KEY (wallet_id, asset) REFERENCES wallets (id, asset);

-- A line on a user account records the balances after it: the account was updated in the same
-- entry. (A line without them would move money in the journal but not in the balance.)
ALTER TABLE postings ADD CONSTRAINT postings_after_both_or_neither CHECK ((available_after IS NULL) = (held_after IS NULL));

CREATE OR REPLACE FUNCTION check_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
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
  IF EXISTS (
    SELECT 1 FROM postings p JOIN wallets w ON w.id = p.wallet_id
     WHERE p.transaction_id = NEW.transaction_id
       AND ((w.user_id IS NOT NULL) <> (p.available_after IS NOT NULL)
            OR (w.user_id IS NOT NULL AND (p.available_after <> w.available OR p.held_after <> w.held)
                AND NOT EXISTS (SELECT 1 FROM postings later WHERE later.wallet_id = p.wallet_id AND later.id > p.id)))
  ) THEN
    RAISE EXCEPTION 'journal entry % changes a user account without updating its balance', NEW.transaction_id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

-- Down Migration
ALTER TABLE postings DROP CONSTRAINT postings_after_both_or_neither;
ALTER TABLE postings DROP CONSTRAINT postings_wallet_asset;
ALTER TABLE wallets DROP CONSTRAINT wallets_id_asset;
