import type pg from 'pg';
import { type GeneratedIdentities, internalHeaders } from '@exchange/platform';

/**
 * The trading invariants tools/test/trading-chaos.test.ts asserts, as plain functions for the
 * benchmarks: each check returns what it found wrong (an empty list when all is well) instead of
 * failing a test.
 */

type Db = Pick<pg.Client, 'query'>;

const OPEN = ['NEW', 'PARTIALLY_FILLED'];

async function count(db: Db, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await db.query(sql, params)).rows[0].count);
}

interface Book {
  sequence: number | string;
  restingOrders: number;
  bids: Array<{ price: number; quantity: number }>;
  asks: Array<{ price: number; quantity: number }>;
}

/** The matching engine, and the keys to read its books as the operator's tools do. */
export interface EngineEndpoint {
  url: string;
  identities: GeneratedIdentities;
}

async function engineBook(engine: EngineEndpoint, symbol: string): Promise<Book> {
  const headers = await internalHeaders(engine.identities, 'operator', 'matching-engine');
  const response = await fetch(`${engine.url}/books/${symbol}?depth=1000`, { headers });
  if (!response.ok) throw new Error(`the matching engine answered ${response.status} for the ${symbol} book`);
  return (await response.json()) as Book;
}

/**
 * Waits until the system is quiet for `symbol`: no placement half done, both outboxes published,
 * and the order-manager has applied every event the engine produced. Returns the ms it took.
 */
export async function waitUntilQuiet(db: Db, engine: EngineEndpoint, symbol: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const isQuiet =
      (await count(db, "SELECT count(*) FROM order_manager.orders WHERE status = 'PENDING'")) === 0 &&
      (await count(db, 'SELECT count(*) FROM order_manager.outbox WHERE published_at IS NULL')) === 0 &&
      (await count(db, 'SELECT count(*) FROM matching_engine.outbox WHERE published_at IS NULL')) === 0 &&
      (await count(db, 'SELECT count(*) FROM order_manager.processed_messages WHERE event_id LIKE $1', [`${symbol}:%`])) ===
        Number((await engineBook(engine, symbol)).sequence);
    if (isQuiet) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`the system was not quiet for ${symbol} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** No trade settled twice or missing: the engine's trades = the wallet's TRADE entries = fills / 2; every order's filled quantity is the sum of its fills. */
export async function checkTradesSettledOnce(db: Db, symbol: string): Promise<{ trades: number; problems: string[] }> {
  const problems: string[] = [];
  const trades = await count(db, "SELECT count(*) FROM matching_engine.executions WHERE symbol = $1 AND type = 'trade'", [symbol]);
  const settled = await count(db, "SELECT count(*) FROM wallet_service.transactions WHERE type = 'TRADE' AND reference LIKE $1", [`${symbol}:%`]);
  const fills = await count(db, 'SELECT count(*) FROM order_manager.fills WHERE symbol = $1', [symbol]);
  if (settled !== trades) problems.push(`the engine made ${trades} trades in ${symbol}; the wallet settled ${settled}`);
  if (fills !== trades * 2) problems.push(`the engine made ${trades} trades in ${symbol}; the order-manager recorded ${fills} fills (expected ${trades * 2})`);
  const mismatched = await count(
    db,
    'SELECT count(*) FROM order_manager.orders o WHERE o.symbol = $1 AND o.filled_quantity <> (SELECT coalesce(sum(quantity), 0) FROM order_manager.fills f WHERE f.order_id = o.id)',
    [symbol],
  );
  if (mismatched > 0) problems.push(`${mismatched} ${symbol} orders have a filled quantity other than the sum of their fills`);
  return { trades, problems };
}

/** Conservation: per asset, every user's balance plus the exchange's own accounts adds up to 0. */
export async function checkConservation(db: Db, assets: string[]): Promise<{ totals: Record<string, string>; problems: string[] }> {
  const { rows } = await db.query(
    `SELECT asset, sum(total)::text AS total FROM (
       SELECT asset, available + held AS total FROM wallet_service.wallets WHERE user_id IS NOT NULL
       UNION ALL SELECT asset, balance FROM wallet_service.system_balances) t
     WHERE asset = ANY($1::text[]) GROUP BY asset ORDER BY asset`,
    [assets],
  );
  const totals = Object.fromEntries(assets.map((asset) => [asset, rows.find((row) => row.asset === asset)?.total ?? '0']));
  const problems = Object.entries(totals)
    .filter(([, total]) => total !== '0')
    .map(([asset, total]) => `${asset}: users + system accounts add up to ${total}, not 0`);
  return { totals, problems };
}

/**
 * Every user's held balance is exactly what their open orders still need: a buy holds
 * price × remaining + the largest of its maker and taker fees on that; a sell holds the remaining shares.
 */
export async function checkHolds(db: Db, userIds: string[], symbol: string): Promise<{ openOrders: number; problems: string[] }> {
  const { rows: orders } = await db.query(
    `SELECT user_id, side, price_cents::text, protection_price_cents::text, quantity::text, filled_quantity::text, maker_fee_bps, taker_fee_bps
       FROM order_manager.orders WHERE user_id = ANY($1::uuid[]) AND status = ANY($2::text[])`,
    [userIds, OPEN],
  );
  const needs = new Map<string, { cash: bigint; shares: bigint }>(userIds.map((id) => [id, { cash: 0n, shares: 0n }]));
  for (const order of orders) {
    const need = needs.get(order.user_id)!;
    const left = BigInt(order.quantity) - BigInt(order.filled_quantity);
    if (order.side === 'SELL') need.shares += left;
    else {
      const notional = BigInt(order.price_cents ?? order.protection_price_cents) * left;
      need.cash += notional + (notional * BigInt(Math.max(order.maker_fee_bps, order.taker_fee_bps))) / 10_000n;
    }
  }
  const { rows: held } = await db.query(
    "SELECT user_id, asset, held::text FROM wallet_service.wallets WHERE user_id = ANY($1::uuid[]) AND asset IN ('USD', $2)",
    [userIds, symbol],
  );
  const heldOf = (userId: string, asset: string) => held.find((row) => row.user_id === userId && row.asset === asset)?.held ?? '0';
  const problems: string[] = [];
  for (const [userId, need] of needs) {
    if (heldOf(userId, 'USD') !== need.cash.toString())
      problems.push(`user ${userId} holds ${heldOf(userId, 'USD')} USD cents; their open orders need ${need.cash}`);
    if (heldOf(userId, symbol) !== need.shares.toString())
      problems.push(`user ${userId} holds ${heldOf(userId, symbol)} ${symbol}; their open orders need ${need.shares}`);
  }
  return { openOrders: orders.length, problems };
}

/** The engine's book and PostgreSQL agree on what rests, order count and every price level. */
export async function checkBookMatchesOrders(db: Db, engine: EngineEndpoint, symbol: string): Promise<{ resting: number; problems: string[] }> {
  const book = await engineBook(engine, symbol);
  const { rows: resting } = await db.query(
    'SELECT side, price_cents::text, quantity::text, filled_quantity::text FROM order_manager.orders WHERE symbol = $1 AND status = ANY($2::text[])',
    [symbol, OPEN],
  );
  const problems: string[] = [];
  if (book.restingOrders !== resting.length) problems.push(`the engine rests ${book.restingOrders} ${symbol} orders; PostgreSQL has ${resting.length} open`);
  const levels = (side: string) => {
    const byPrice = new Map<number, number>();
    for (const o of resting.filter((x) => x.side === side)) {
      byPrice.set(Number(o.price_cents), (byPrice.get(Number(o.price_cents)) ?? 0) + Number(o.quantity) - Number(o.filled_quantity));
    }
    return JSON.stringify([...byPrice.entries()].sort((a, b) => (side === 'BUY' ? b[0] - a[0] : a[0] - b[0])));
  };
  if (JSON.stringify(book.bids.map((l) => [l.price, l.quantity])) !== levels('BUY'))
    problems.push(`the engine's ${symbol} bids differ from the open buy orders in PostgreSQL`);
  if (JSON.stringify(book.asks.map((l) => [l.price, l.quantity])) !== levels('SELL'))
    problems.push(`the engine's ${symbol} asks differ from the open sell orders in PostgreSQL`);
  return { resting: resting.length, problems };
}
