import type { Pool, Transaction } from '@exchange/platform';
import type { BookSnapshot, Command } from '../domain/index.js';

/** One journaled command: what the book applied (undefined: a message no contract reads, skipped) and the sequence after it. */
export interface JournaledCommand {
  command: Command | undefined;
  lastSequence: number;
}

/** What one committed batch writes. */
export interface BatchRecord {
  journal: Array<{ symbol: string; commandId: string; command: Command | undefined; lastSequence: number }>;
  executions: Array<{ symbol: string; sequence: number; type: string; data: unknown }>;
}

/** How the journal marks a message it kept but could not apply. */
const INVALID = { invalid: true } as const;

/**
 * The engine's tables: the journal of commands, the executions (the exchange's record of what
 * happened) and snapshots of each book. The only place the engine's SQL lives.
 */
export class EngineStore {
  constructor(private readonly db: Pool) {}

  /** The latest snapshot of a book, and the journal position it covers. */
  async latestSnapshot(symbol: string): Promise<{ state: BookSnapshot; position: bigint } | undefined> {
    const { rows } = await this.db.query<{ state: BookSnapshot; position: string }>(
      'SELECT state, position FROM snapshots WHERE symbol = $1 ORDER BY sequence DESC LIMIT 1',
      [symbol],
    );
    const row = rows[0];
    return row && { state: row.state, position: BigInt(row.position) };
  }

  /** The journal of a book after a position, in the order it was applied. */
  async journalAfter(symbol: string, position: bigint): Promise<JournaledCommand[]> {
    const { rows } = await this.db.query<{ command: Command | typeof INVALID; last_sequence: string }>(
      'SELECT command, last_sequence FROM journal WHERE symbol = $1 AND position > $2 ORDER BY position',
      [symbol, position.toString()],
    );
    return rows.map((row) => ({ command: 'kind' in row.command ? row.command : undefined, lastSequence: Number(row.last_sequence) }));
  }

  /** The price of a book's latest trade, in ticks. */
  async lastTradePrice(symbol: string): Promise<number | undefined> {
    const { rows } = await this.db.query<{ price: string }>(
      "SELECT payload->>'price' AS price FROM executions WHERE symbol = $1 AND type = 'trade' ORDER BY sequence DESC LIMIT 1",
      [symbol],
    );
    return rows[0] ? Number(rows[0].price) : undefined;
  }

  /** Which of these orders of a market any committed execution names (the engine has seen them). */
  async ordersSeen(client: Transaction | Pool, symbol: string, orderIds: string[]): Promise<Set<string>> {
    const { rows } = await client.query<{ order_id: string }>(
      `SELECT DISTINCT id AS order_id FROM executions e,
              LATERAL (VALUES (e.payload->>'orderId'), (e.payload->>'makerOrderId'), (e.payload->>'takerOrderId')) AS named(id)
        WHERE e.symbol = $1 AND id = ANY($2::text[])`,
      [symbol, orderIds],
    );
    return new Set(rows.map((row) => row.order_id));
  }

  /**
   * A market's executions `fromSeq` to `toSeq` as they were published on its stream, if the stream's
   * numbers are its executions' sequences (each execution went out once, in order, as it does from
   * the first): checked on the outbox's first kept row, or on the last number given when none is kept.
   */
  async executionsAsPublished(
    symbol: string,
    stream: string,
    fromSeq: number,
    toSeq: number,
  ): Promise<Array<{ sequence: number; type: string; payload: unknown }> | undefined> {
    const { rows: aligned } = await this.db.query<{ aligned: boolean }>(
      `SELECT coalesce(
         (SELECT seq = (payload->>'sequence')::bigint FROM outbox WHERE stream = $1 AND seq IS NOT NULL ORDER BY seq LIMIT 1),
         (SELECT s.last_seq = (SELECT max(sequence) FROM executions WHERE symbol = $2) FROM outbox_sequences s WHERE s.stream = $1),
         false) AS aligned`,
      [stream, symbol],
    );
    if (!aligned[0]?.aligned) return undefined;
    const { rows } = await this.db.query<{ sequence: string; type: string; payload: unknown }>(
      'SELECT sequence::text, type, payload FROM executions WHERE symbol = $1 AND sequence BETWEEN $2 AND $3 ORDER BY sequence',
      [symbol, fromSeq, toSeq],
    );
    return rows.map((row) => ({ sequence: Number(row.sequence), type: row.type, payload: row.payload }));
  }

  /** The last command number the engine applied in a market's stream. */
  async position(stream: string, group: string): Promise<number> {
    const { rows } = await this.db.query<{ last_seq: string }>('SELECT last_seq FROM stream_positions WHERE consumer_group = $1 AND stream = $2', [
      group,
      stream,
    ]);
    return rows[0] ? Number(rows[0].last_seq) : 0;
  }

  /** Which of these commands (symbol, id) are journaled already: a redelivery after a crash. */
  async journaled(client: Transaction, commands: Array<{ symbol: string; commandId: string }>): Promise<Set<string>> {
    const { rows } = await client.query<{ symbol: string; command_id: string }>(
      'SELECT symbol, command_id FROM journal WHERE (symbol, command_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))',
      [commands.map((c) => c.symbol), commands.map((c) => c.commandId)],
    );
    return new Set(rows.map((row) => journalKey(row.symbol, row.command_id)));
  }

  /** Writes a batch's journal and executions. */
  async record(client: Transaction, batch: BatchRecord): Promise<void> {
    const { journal, executions } = batch;
    if (journal.length > 0) {
      await client.query(
        'INSERT INTO journal (symbol, command_id, command, last_sequence) SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::bigint[])',
        [
          journal.map((j) => j.symbol),
          journal.map((j) => j.commandId),
          journal.map((j) => JSON.stringify(j.command ?? INVALID)),
          journal.map((j) => j.lastSequence),
        ],
      );
    }
    if (executions.length > 0) {
      await client.query('INSERT INTO executions (symbol, sequence, type, payload) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::jsonb[])', [
        executions.map((e) => e.symbol),
        executions.map((e) => e.sequence),
        executions.map((e) => e.type),
        executions.map((e) => JSON.stringify(e.data)),
      ]);
    }
  }

  /** A snapshot of a book at `sequence`, covering the journal up to its latest position. */
  async snapshot(client: Transaction, symbol: string, sequence: number, state: BookSnapshot): Promise<void> {
    await client.query(
      `INSERT INTO snapshots (symbol, sequence, position, state)
       SELECT $1, $2, (SELECT max(position) FROM journal WHERE symbol = $1), $3`,
      [symbol, sequence, JSON.stringify(state)],
    );
  }

  /**
   * Keeps the newest `kept` snapshots of a book and the journal recovery needs: rows after the
   * oldest kept snapshot are kept for replay, older ones until they are older than `retentionMs`
   * (a command delivered again within it is still recognised). Executions are never pruned here.
   */
  async prune(client: Transaction, symbol: string, kept: number, retentionMs: number): Promise<void> {
    const { rows } = await client.query<{ sequence: string; position: string }>(
      'SELECT sequence, position FROM snapshots WHERE symbol = $1 ORDER BY sequence DESC OFFSET $2 - 1 LIMIT 1',
      [symbol, kept],
    );
    const oldestKept = rows[0];
    if (!oldestKept) return;
    await client.query('DELETE FROM snapshots WHERE symbol = $1 AND sequence < $2', [symbol, oldestKept.sequence]);
    await client.query('DELETE FROM journal WHERE symbol = $1 AND position <= $2 AND created_at < now() - make_interval(secs => $3::double precision / 1000)', [
      symbol,
      oldestKept.position,
      retentionMs,
    ]);
  }
}

export const journalKey = (symbol: string, commandId: string) => `${symbol}\u0000${commandId}`;
