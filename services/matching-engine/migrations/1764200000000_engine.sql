-- Up Migration

-- Every command the engine applied, in order, with how many events it produced: replaying the
-- journal after the latest snapshot rebuilds the books exactly (the books are deterministic).
CREATE TABLE journal (
  position      bigserial PRIMARY KEY,
  symbol        text NOT NULL,
  command_id    text NOT NULL,
  command       jsonb NOT NULL,
  last_sequence bigint NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT journal_command_once UNIQUE (symbol, command_id)
);

-- The executions: every event of every book, by symbol and sequence.
CREATE TABLE executions (
  symbol     text NOT NULL,
  sequence   bigint NOT NULL,
  type       text NOT NULL,
  payload    jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (symbol, sequence)
);

CREATE TABLE snapshots (
  symbol     text NOT NULL,
  sequence   bigint NOT NULL,
  position   bigint NOT NULL,
  state      jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (symbol, sequence)
);

-- Down Migration
DROP TABLE snapshots;
DROP TABLE executions;
DROP TABLE journal;
