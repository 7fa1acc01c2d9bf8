-- Up Migration

-- The deferred check of every posting looked at all the lines of its entry, for each line (the work
-- of an entry grew with the square of its lines). Each line is now checked on its own — the line's
-- asset and balances against its account — and the entry's balance once per line as before (a sum
-- over an index). Every line still fires the check, so nothing escapes it.
CREATE OR REPLACE FUNCTION check_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  unbalanced record;
  account record;
BEGIN
  SELECT asset, sum(available_change + held_change) AS off_by INTO unbalanced
    FROM postings WHERE transaction_id = NEW.transaction_id
    GROUP BY asset HAVING sum(available_change + held_change) <> 0 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'journal entry % does not balance in %: off by %', NEW.transaction_id, unbalanced.asset, unbalanced.off_by
      USING ERRCODE = 'check_violation';
  END IF;
  SELECT user_id, available, held INTO account FROM wallets WHERE id = NEW.wallet_id;
  IF (account.user_id IS NOT NULL) <> (NEW.available_after IS NOT NULL)
     OR (account.user_id IS NOT NULL AND (NEW.available_after <> account.available OR NEW.held_after <> account.held)
         AND NOT EXISTS (SELECT 1 FROM postings later WHERE later.wallet_id = NEW.wallet_id AND later.id > NEW.id)) THEN
    RAISE EXCEPTION 'journal entry % changes a user account without updating its balance', NEW.transaction_id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

-- Down Migration

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
