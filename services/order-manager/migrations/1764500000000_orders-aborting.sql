-- Up Migration

-- ABORTING: a placement being undone (its hold released, then the row deleted). Claiming the row
-- first means an undo and the publish of the same order can never both win.
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check
  CHECK (status IN ('PENDING', 'ABORTING', 'NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'));
CREATE INDEX orders_aborting ON orders (created_at) WHERE status = 'ABORTING';

-- Down Migration
DROP INDEX orders_aborting;
DELETE FROM orders WHERE status = 'ABORTING';
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check
  CHECK (status IN ('PENDING', 'NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'));
