import type { Pool, Transaction } from '@exchange/platform';
import type { ExecutionEvent, StatementEntryType, VolumeDay, WalletEvent } from '@exchange/contracts';
import { decodeEvent, EXECUTION_EVENTS, executionsStream, formatAsset, WALLET_EVENTS, WALLET_EVENTS_STREAM } from '@exchange/contracts';
import type { Derivation, RawEvent, VolumeCounter } from '../domain/derive.js';
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

  /**
   * Logs consumed events as their contracts read them, in one statement, in order; answers those
   * logged now (an event logged before, a redelivery, is not), in the order they were logged.
   */
  async logEvents(client: Transaction, logged: LoggedEvent[]): Promise<RawEvent[]> {
    if (logged.length === 0) return [];
    const units = logged.map((one) => (one.source === 'executions' ? one.units : undefined));
    const { rows } = await client.query<RawEventRow>(
      `INSERT INTO report_events (source_stream, event_id, type, version, data, occurred_at, tick_size_cents, lot_size)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::jsonb[], $6::timestamptz[], $7::bigint[], $8::bigint[])
       ON CONFLICT ON CONSTRAINT report_events_once DO NOTHING
       RETURNING *`,
      [
        logged.map((one) => one.stream),
        logged.map((one) => one.id),
        logged.map((one) => one.event.type),
        logged.map((one) => one.event.version),
        logged.map((one) => JSON.stringify(one.event.data)),
        logged.map((one) => one.occurredAt),
        units.map((u) => u?.tickSizeCents.toString() ?? null),
        units.map((u) => u?.lotSize.toString() ?? null),
      ],
    );
    return rows.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1)).map(toRawEvent);
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
  async *rawEventPages(client: Transaction): AsyncGenerator<RawEvent[]> {
    let after = '0';
    for (;;) {
      const { rows } = await client.query<RawEventRow>('SELECT * FROM report_events WHERE seq > $1 ORDER BY seq LIMIT $2', [after, RAW_PAGE]);
      if (rows.length > 0) yield rows.map(toRawEvent);
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

  /**
   * Writes what a run of events derived, in one statement per read model: their ledger entries,
   * fills and trades, the volume counters summed per symbol and day, and the positions as they
   * stand after the last of them (computed by the caller, who holds their locks).
   */
  async applyMany(client: Transaction, derived: Array<{ event: RawEvent; derivation: Derivation }>, positions: Map<string, Position>): Promise<void> {
    const ledger = derived.flatMap(({ event, derivation }) => derivation.ledger.map((entry) => ({ event, entry })));
    if (ledger.length > 0) {
      await client.query(
        `INSERT INTO report_ledger_entries (event_seq, entry_no, user_id, asset, kind, amount, reference, symbol, side, occurred_at)
         SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])`,
        [
          ledger.map(({ event }) => event.seq.toString()),
          ledger.map(({ entry }) => entry.entryNo),
          ledger.map(({ entry }) => entry.userId),
          ledger.map(({ entry }) => entry.asset),
          ledger.map(({ entry }) => entry.kind),
          ledger.map(({ entry }) => entry.amount.toString()),
          ledger.map(({ entry }) => entry.reference),
          ledger.map(({ entry }) => entry.symbol ?? null),
          ledger.map(({ entry }) => entry.side ?? null),
          ledger.map(({ event }) => event.occurredAt),
        ],
      );
    }
    const fills = derived.flatMap(({ event, derivation }) => derivation.fills.map((fill) => ({ event, fill })));
    if (fills.length > 0) {
      await client.query(
        `INSERT INTO report_fills (event_seq, trade_id, side, user_id, order_id, symbol, price_cents, quantity, notional_cents, fee_cents, occurred_at)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::timestamptz[])
         ON CONFLICT (trade_id, side) DO NOTHING`,
        [
          fills.map(({ event }) => event.seq.toString()),
          fills.map(({ fill }) => fill.tradeId),
          fills.map(({ fill }) => fill.side),
          fills.map(({ fill }) => fill.userId),
          fills.map(({ fill }) => fill.orderId),
          fills.map(({ fill }) => fill.symbol),
          fills.map(({ fill }) => fill.priceCents.toString()),
          fills.map(({ fill }) => fill.quantity.toString()),
          fills.map(({ fill }) => fill.notionalCents.toString()),
          fills.map(({ fill }) => fill.feeCents.toString()),
          fills.map(({ event }) => event.occurredAt),
        ],
      );
    }
    if (positions.size > 0) {
      const keys = [...positions.keys()].map(splitPositionKey);
      const values = [...positions.values()];
      await client.query(
        `INSERT INTO report_positions (user_id, symbol, quantity, cost_cents, realized_cents)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[])
         ON CONFLICT (user_id, symbol) DO UPDATE SET quantity = EXCLUDED.quantity, cost_cents = EXCLUDED.cost_cents, realized_cents = EXCLUDED.realized_cents`,
        [
          keys.map(([userId]) => userId),
          keys.map(([, symbol]) => symbol),
          values.map((p) => p.quantity.toString()),
          values.map((p) => p.costCents.toString()),
          values.map((p) => p.realizedCents.toString()),
        ],
      );
    }
    const trades = derived.flatMap(({ event, derivation }) => (derivation.trade ? [{ event, trade: derivation.trade }] : []));
    if (trades.length > 0) {
      await client.query(
        `INSERT INTO report_trades (symbol, trade_no, price_cents, quantity, notional_cents, taker_side, executed_at)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::timestamptz[])
         ON CONFLICT (symbol, trade_no) DO NOTHING`,
        [
          trades.map(({ trade }) => trade.symbol),
          trades.map(({ trade }) => trade.tradeNo),
          trades.map(({ trade }) => trade.priceCents.toString()),
          trades.map(({ trade }) => trade.quantity.toString()),
          trades.map(({ trade }) => trade.notionalCents.toString()),
          trades.map(({ trade }) => trade.takerSide),
          trades.map(({ event }) => event.occurredAt),
        ],
      );
    }
    const volume = new Map<
      string,
      { symbol: string; day: string; counts: Record<VolumeCounter, number>; trades: number; quantity: bigint; notionalCents: bigint }
    >();
    for (const { derivation } of derived) {
      const delta = derivation.volume;
      if (!delta) continue;
      const key = `${delta.symbol}\u0000${delta.day}`;
      const sum = volume.get(key) ?? {
        symbol: delta.symbol,
        day: delta.day,
        counts: { accepted: 0, filled: 0, canceled: 0, expired: 0, rejected: 0 },
        trades: 0,
        quantity: 0n,
        notionalCents: 0n,
      };
      for (const [counter, n] of Object.entries(delta.counts) as Array<[VolumeCounter, number]>) sum.counts[counter] += n;
      sum.trades += delta.trades;
      sum.quantity += delta.quantity;
      sum.notionalCents += delta.notionalCents;
      volume.set(key, sum);
    }
    if (volume.size > 0) {
      const rows = [...volume.values()];
      await client.query(
        `INSERT INTO report_volume_daily AS v (symbol, day, accepted, filled, canceled, expired, rejected, trades, quantity, notional_cents)
         SELECT * FROM unnest($1::text[], $2::date[], $3::int[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::bigint[], $10::bigint[])
         ON CONFLICT (symbol, day) DO UPDATE SET
           accepted = v.accepted + EXCLUDED.accepted, filled = v.filled + EXCLUDED.filled, canceled = v.canceled + EXCLUDED.canceled,
           expired = v.expired + EXCLUDED.expired, rejected = v.rejected + EXCLUDED.rejected, trades = v.trades + EXCLUDED.trades,
           quantity = v.quantity + EXCLUDED.quantity, notional_cents = v.notional_cents + EXCLUDED.notional_cents`,
        [
          rows.map((r) => r.symbol),
          rows.map((r) => r.day),
          rows.map((r) => r.counts.accepted),
          rows.map((r) => r.counts.filled),
          rows.map((r) => r.counts.canceled),
          rows.map((r) => r.counts.expired),
          rows.map((r) => r.counts.rejected),
          rows.map((r) => r.trades),
          rows.map((r) => r.quantity.toString()),
          rows.map((r) => r.notionalCents.toString()),
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
