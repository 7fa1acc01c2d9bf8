import type { Pool, Transaction } from '@exchange/platform';
import type { ExecutionEvent, StatementEntryType, VolumeDay, WalletEvent } from '@exchange/contracts';
import { decodeEvent, EXECUTION_EVENTS, executionsStream, formatAsset, WALLET_EVENTS, WALLET_EVENTS_STREAM } from '@exchange/contracts';
import type { Derivation, RawEvent } from '../domain/derive.js';
import type { MarketUnits, Side } from '../domain/events.js';
import type { Position } from '../domain/pnl.js';
import type { StoredEntry, StoredFill } from '../domain/statement.js';

/** A row of the raw log, as PostgreSQL returns it; never leaves this file. */
interface RawEventRow {
  seq: string;
  source_stream: string;
  type: string;
  version: number;
  data: unknown;
  occurred_at: Date;
  tick_size_cents: string | null;
  lot_size: string | null;
}

/** The read models, in the order a rebuild empties them. */
const READ_MODEL_TABLES = ['report_ledger_entries', 'report_fills', 'report_positions', 'report_trades', 'report_volume_daily'];

const EXECUTIONS_PREFIX = executionsStream('');

/** What the raw log keeps of one consumed event, decoded by its contract. */
export type LoggedEvent = { stream: string; id: string; occurredAt: Date } & (
  | { source: 'wallet'; event: WalletEvent }
  | { source: 'executions'; event: ExecutionEvent; symbol: string; units: MarketUnits }
);

/**
 * A row as the derivation reads it: the event decoded by its contract at the version it was logged
 * in. Rows were parsed by the same contracts when they were consumed, so a row that no longer
 * decodes means the log was changed by hand; the rebuild stops there rather than guess.
 */
function toRawEvent(row: RawEventRow): RawEvent {
  const base = { seq: BigInt(row.seq), occurredAt: row.occurred_at };
  const fail = (reason: string) => new Error(`report_events row ${row.seq}: ${reason}`);
  if (row.source_stream === WALLET_EVENTS_STREAM) {
    const decoding = decodeEvent(WALLET_EVENTS, row.type, row.version, row.data);
    if (!decoding.ok) throw fail(decoding.reason);
    return { ...base, source: 'wallet', event: decoding.event };
  }
  if (!row.source_stream.startsWith(EXECUTIONS_PREFIX) || row.tick_size_cents === null || row.lot_size === null)
    throw fail(`an event of ${row.source_stream} without its market's units`);
  const decoding = decodeEvent(EXECUTION_EVENTS, row.type, row.version, row.data);
  if (!decoding.ok) throw fail(decoding.reason);
  return {
    ...base,
    source: 'executions',
    event: decoding.event,
    symbol: row.source_stream.slice(EXECUTIONS_PREFIX.length),
    units: { tickSizeCents: BigInt(row.tick_size_cents), lotSize: BigInt(row.lot_size) },
  };
}

const RAW_PAGE = 1000;

/** SQL for this service's own tables (`report_*`); nothing else touches them. */
export class ReportStore {
  constructor(readonly db: Pool) {}

  /** Logs one consumed event as its contract read it; undefined when it was logged before (a redelivery). */
  async logEvent(client: Transaction, logged: LoggedEvent): Promise<RawEvent | undefined> {
    const units = logged.source === 'executions' ? logged.units : undefined;
    const { rows } = await client.query<RawEventRow>(
      `INSERT INTO report_events (source_stream, event_id, type, version, data, occurred_at, tick_size_cents, lot_size)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT ON CONSTRAINT report_events_once DO NOTHING
       RETURNING *`,
      [
        logged.stream,
        logged.id,
        logged.event.type,
        logged.event.version,
        JSON.stringify(logged.event.data),
        logged.occurredAt,
        units?.tickSizeCents.toString() ?? null,
        units?.lotSize.toString() ?? null,
      ],
    );
    return rows[0] && toRawEvent(rows[0]);
  }

  /**
   * Starts a rebuild inside `client`'s transaction: the raw log is locked against inserts (the live
   * consumers wait instead of interleaving with the replay) and the read models are emptied. DELETE
   * rather than TRUNCATE: readers keep seeing the old reports (MVCC) until the rebuild commits, where
   * TRUNCATE's exclusive lock would make every report wait for the whole rebuild.
   */
  async beginRebuild(client: Transaction): Promise<void> {
    await client.query('LOCK TABLE report_events IN SHARE ROW EXCLUSIVE MODE');
    for (const table of READ_MODEL_TABLES) await client.query(`DELETE FROM ${table}`);
  }

  /** The raw log in the order it was received, a page at a time. */
  async *rawEvents(client: Transaction): AsyncGenerator<RawEvent> {
    let after = '0';
    for (;;) {
      const { rows } = await client.query<RawEventRow>('SELECT * FROM report_events WHERE seq > $1 ORDER BY seq LIMIT $2', [after, RAW_PAGE]);
      for (const row of rows) yield toRawEvent(row);
      if (rows.length < RAW_PAGE) return;
      after = rows.at(-1)!.seq;
    }
  }

  async positionsForUpdate(client: Transaction, keys: Array<{ userId: string; symbol: string }>): Promise<Map<string, Position>> {
    const found = new Map<string, Position>();
    if (keys.length === 0) return found;
    const { rows } = await client.query<{ user_id: string; symbol: string; quantity: string; cost_cents: string; realized_cents: string }>(
      `SELECT * FROM report_positions WHERE (user_id, symbol) IN (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY user_id, symbol FOR UPDATE`,
      [keys.map((key) => key.userId), keys.map((key) => key.symbol)],
    );
    for (const row of rows) {
      found.set(positionKey(row.user_id, row.symbol), {
        quantity: BigInt(row.quantity),
        costCents: BigInt(row.cost_cents),
        realizedCents: BigInt(row.realized_cents),
      });
    }
    return found;
  }

  /** Writes what one event derived (positions already computed by the caller). */
  async apply(client: Transaction, seq: bigint, occurredAt: Date, derived: Derivation, positions: Map<string, Position>): Promise<void> {
    for (const entry of derived.ledger) {
      await client.query(
        `INSERT INTO report_ledger_entries (event_seq, entry_no, user_id, asset, kind, amount, reference, symbol, side, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          seq.toString(),
          entry.entryNo,
          entry.userId,
          entry.asset,
          entry.kind,
          entry.amount.toString(),
          entry.reference,
          entry.symbol ?? null,
          entry.side ?? null,
          occurredAt,
        ],
      );
    }
    for (const fill of derived.fills) {
      await client.query(
        `INSERT INTO report_fills (event_seq, trade_id, side, user_id, order_id, symbol, price_cents, quantity, notional_cents, fee_cents, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (trade_id, side) DO NOTHING`,
        [
          seq.toString(),
          fill.tradeId,
          fill.side,
          fill.userId,
          fill.orderId,
          fill.symbol,
          fill.priceCents.toString(),
          fill.quantity.toString(),
          fill.notionalCents.toString(),
          fill.feeCents.toString(),
          occurredAt,
        ],
      );
    }
    for (const [key, position] of positions) {
      const [userId, symbol] = splitPositionKey(key);
      await client.query(
        `INSERT INTO report_positions (user_id, symbol, quantity, cost_cents, realized_cents) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, symbol) DO UPDATE SET quantity = EXCLUDED.quantity, cost_cents = EXCLUDED.cost_cents, realized_cents = EXCLUDED.realized_cents`,
        [userId, symbol, position.quantity.toString(), position.costCents.toString(), position.realizedCents.toString()],
      );
    }
    if (derived.trade) {
      const trade = derived.trade;
      await client.query(
        `INSERT INTO report_trades (symbol, trade_no, price_cents, quantity, notional_cents, taker_side, executed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (symbol, trade_no) DO NOTHING`,
        [trade.symbol, trade.tradeNo, trade.priceCents.toString(), trade.quantity.toString(), trade.notionalCents.toString(), trade.takerSide, occurredAt],
      );
    }
    if (derived.volume) {
      const { symbol, day, counts, trades, quantity, notionalCents } = derived.volume;
      await client.query(
        `INSERT INTO report_volume_daily AS v (symbol, day, accepted, filled, canceled, expired, rejected, trades, quantity, notional_cents)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (symbol, day) DO UPDATE SET
           accepted = v.accepted + EXCLUDED.accepted, filled = v.filled + EXCLUDED.filled, canceled = v.canceled + EXCLUDED.canceled,
           expired = v.expired + EXCLUDED.expired, rejected = v.rejected + EXCLUDED.rejected, trades = v.trades + EXCLUDED.trades,
           quantity = v.quantity + EXCLUDED.quantity, notional_cents = v.notional_cents + EXCLUDED.notional_cents`,
        [
          symbol,
          day,
          counts.accepted ?? 0,
          counts.filled ?? 0,
          counts.canceled ?? 0,
          counts.expired ?? 0,
          counts.rejected ?? 0,
          trades,
          quantity.toString(),
          notionalCents.toString(),
        ],
      );
    }
  }

  /** Each asset's balance (available + held) just before `at`. */
  async balancesBefore(userId: string, at: Date): Promise<Map<string, bigint>> {
    const { rows } = await this.db.query<{ asset: string; total: string }>(
      'SELECT asset, sum(amount)::text AS total FROM report_ledger_entries WHERE user_id = $1 AND occurred_at < $2 GROUP BY asset',
      [userId, at],
    );
    return new Map(rows.map((row) => [row.asset, BigInt(row.total)]));
  }

  async entries(userId: string, from: Date, to: Date): Promise<StoredEntry[]> {
    const { rows } = await this.db.query<{
      occurred_at: Date;
      asset: string;
      kind: StatementEntryType;
      amount: string;
      reference: string;
      symbol: string | null;
      side: Side | null;
    }>(
      `SELECT occurred_at, asset, kind, amount, reference, symbol, side FROM report_ledger_entries
       WHERE user_id = $1 AND occurred_at >= $2 AND occurred_at < $3 ORDER BY occurred_at, event_seq, entry_no`,
      [userId, from, to],
    );
    return rows.map((row) => ({
      time: row.occurred_at,
      asset: row.asset,
      kind: row.kind,
      amount: BigInt(row.amount),
      reference: row.reference,
      symbol: row.symbol,
      side: row.side,
    }));
  }

  async fills(userId: string, from: Date, to: Date): Promise<StoredFill[]> {
    const { rows } = await this.db.query<{
      occurred_at: Date;
      trade_id: string;
      order_id: string;
      symbol: string;
      side: Side;
      price_cents: string;
      quantity: string;
      notional_cents: string;
      fee_cents: string;
    }>(`SELECT * FROM report_fills WHERE user_id = $1 AND occurred_at >= $2 AND occurred_at < $3 ORDER BY occurred_at, event_seq, side`, [userId, from, to]);
    return rows.map((row) => ({
      time: row.occurred_at,
      tradeId: row.trade_id,
      orderId: row.order_id,
      symbol: row.symbol,
      side: row.side,
      priceCents: BigInt(row.price_cents),
      quantity: BigInt(row.quantity),
      notionalCents: BigInt(row.notional_cents),
      feeCents: BigInt(row.fee_cents),
    }));
  }

  async positions(userId: string): Promise<Map<string, Position>> {
    const { rows } = await this.db.query<{ symbol: string; quantity: string; cost_cents: string; realized_cents: string }>(
      'SELECT symbol, quantity, cost_cents, realized_cents FROM report_positions WHERE user_id = $1',
      [userId],
    );
    return new Map(
      rows.map((row) => [row.symbol, { quantity: BigInt(row.quantity), costCents: BigInt(row.cost_cents), realizedCents: BigInt(row.realized_cents) }]),
    );
  }

  /** The price of each symbol's last trade (by the engine's trade number). */
  async lastPrices(symbols: string[]): Promise<Map<string, bigint>> {
    if (symbols.length === 0) return new Map();
    const { rows } = await this.db.query<{ symbol: string; price_cents: string }>(
      `SELECT DISTINCT ON (symbol) symbol, price_cents FROM report_trades WHERE symbol = ANY($1::text[]) ORDER BY symbol, trade_no DESC`,
      [symbols],
    );
    return new Map(rows.map((row) => [row.symbol, BigInt(row.price_cents)]));
  }

  async volume(symbol: string | undefined, firstDay: string, endDay: string): Promise<VolumeDay[]> {
    const { rows } = await this.db.query<Record<string, string>>(
      `SELECT symbol, to_char(day, 'YYYY-MM-DD') AS day, accepted, filled, canceled, expired, rejected, trades, quantity, notional_cents
       FROM report_volume_daily WHERE ($1::text IS NULL OR symbol = $1) AND day >= $2::date AND day < $3::date ORDER BY symbol, day`,
      [symbol ?? null, firstDay, endDay],
    );
    return rows.map((row) => ({
      symbol: row.symbol!,
      day: row.day!,
      orders: {
        accepted: Number(row.accepted),
        filled: Number(row.filled),
        canceled: Number(row.canceled),
        expired: Number(row.expired),
        rejected: Number(row.rejected),
      },
      trades: Number(row.trades),
      quantity: formatAsset(BigInt(row.quantity!), row.symbol!),
      notional: formatAsset(BigInt(row.notional_cents!), 'USD'),
    }));
  }
}

export const positionKey = (userId: string, symbol: string) => `${userId}\u0000${symbol}`;
const splitPositionKey = (key: string) => key.split('\u0000') as [string, string];
