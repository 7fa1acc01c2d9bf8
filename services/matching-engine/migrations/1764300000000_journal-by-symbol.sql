-- Up Migration

-- Recovery reads a symbol's journal after its snapshot, snapshots ask for a symbol's last position,
-- and pruning deletes a symbol's oldest rows: all by symbol, in position order.
CREATE INDEX journal_symbol_position ON journal (symbol, position);

-- Down Migration
DROP INDEX journal_symbol_position;
