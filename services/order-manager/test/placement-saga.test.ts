import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AppError,
  createLogger,
  createMetrics,
  MicroBatcher,
  Retries,
  withTransaction,
  createPostgresPool,
  PLATFORM_MIGRATIONS_DIR,
  runMigrations,
  type ActorCredential,
  type Pool,
} from '@exchange/platform';
import { createTestDatabase, type TestDatabase } from '@exchange/platform/testing';
import { blockFundsBatchResponseSchema, holdResponseSchema, type Market, type PlaceOrderRequest } from '@exchange/contracts';
import type { OrderDeps } from '../src/app/order-deps.js';
import { finishStalePlacements } from '../src/app/finish-stale-placements.js';
import type { Placed, Placement } from '../src/app/order-deps.js';
import { cancelOrder } from '../src/app/cancel-order.js';
import { placeOrder, placeOrders, undoPlacement } from '../src/app/place-order.js';
import { eventually } from '@exchange/platform/testing';
import { TradingMetrics } from '../src/app/trading-metrics.js';
import { OrderStore } from '../src/store/order-store.js';

/**
 * The placement saga and its one compensation, against a real PostgreSQL (the order manager's own
 * tables and outbox). The risk-manager and the wallet are scripted stand-ins that keep holds the
 * way the wallet does (one per reference; releasing one never made is HOLD_NOT_FOUND), so every
 * failure a real one can show — a refusal, a timeout after the hold was made, a failed release —
 * can be forced at the step it happens.
 */

const logger = createLogger('test', 'silent');
const MARKET: Market = {
  symbol: 'SAGA',
  name: 'Saga Inc.',
  baseAsset: 'SAGA',
  quoteAsset: 'USD',
  tickSize: '0.05',
  lotSize: '10',
  referencePrice: '100.00',
  status: 'TRADING',
  makerFeeBps: 10,
  takerFeeBps: 25,
  minQuantity: '10',
  maxQuantity: '100000',
  maxNotional: '1000000.00',
  priceCollarBps: 1000,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

type BlockOutcome = 'held' | 'refused' | 'timeout-after-hold' | 'timeout-no-hold';

/** The wallet's hold bookkeeping, with scripted failures. */
class ScriptedWallet {
  readonly holds = new Map<string, { asset: string; amount: string }>();
  readonly releases: string[] = [];
  nextBlock: BlockOutcome = 'held';
  failReleases = 0;

  readonly client: OrderDeps['wallet'] = {
    // one call for a batch: a refusal is one hold's answer; a timeout is the call's (it may have held all of them)
    blockFundsBatch: async ({ body }) => {
      const outcome = this.nextBlock;
      this.nextBlock = 'held';
      if (outcome !== 'timeout-no-hold' && outcome !== 'refused')
        for (const hold of body.holds) this.holds.set(hold.reference, { asset: hold.asset, amount: hold.amount });
      if (outcome === 'timeout-after-hold' || outcome === 'timeout-no-hold')
        throw new AppError('UPSTREAM_TIMEOUT', 'wallet-service did not answer in time', {}, { statusCode: 504 });
      return blockFundsBatchResponseSchema.parse({
        results: body.holds.map((hold) =>
          outcome === 'refused'
            ? { ok: false, status: 422, error: { code: 'INSUFFICIENT_FUNDS', message: 'Not enough USD available' } }
            : {
                ok: true,
                value: {
                  hold: { reference: hold.reference, userId: hold.userId, asset: hold.asset, amount: hold.amount, remaining: hold.amount, status: 'OPEN' },
                  balance: { asset: hold.asset, available: '0', held: hold.amount, total: hold.amount },
                },
              },
        ),
      });
    },
    releaseFunds: async ({ body }) => {
      if (this.failReleases > 0) {
        this.failReleases -= 1;
        throw new AppError('SERVICE_UNAVAILABLE', 'wallet-service is unavailable', {}, { statusCode: 503 });
      }
      const hold = this.holds.get(body.reference);
      if (!hold) throw new AppError('HOLD_NOT_FOUND', 'No such hold', {}, { statusCode: 404 });
      this.holds.delete(body.reference);
      this.releases.push(body.reference);
      return holdResponseSchema.parse({
        hold: { reference: body.reference, userId: randomUUID(), asset: hold.asset, amount: hold.amount, remaining: '0', status: 'CLOSED' },
        balance: { asset: hold.asset, available: hold.amount, held: '0', total: hold.amount },
      });
    },
    settleTrades: async () => {
      throw new Error('no trades in these tests');
    },
  };
}

describe('the placement saga (real PostgreSQL)', () => {
  let database: TestDatabase;
  let db: Pool;
  let wallet: ScriptedWallet;
  let deps: OrderDeps;
  let maxOpenOrders = 5;
  let undoRetries: Retries;

  beforeAll(async () => {
    database = await createTestDatabase();
    await runMigrations({ url: database.url, schema: 'order_manager', dir: PLATFORM_MIGRATIONS_DIR, logger, migrationsTable: 'pgmigrations_platform' });
    await runMigrations({ url: database.url, schema: 'order_manager', dir: join(__dirname, '..', 'migrations'), logger });
    db = createPostgresPool({ url: database.url, schema: 'order_manager', max: 10, applicationName: 'placement-saga-test' });
  });
  afterAll(async () => {
    undoRetries?.stop();
    await db?.end();
    await database?.drop();
  });

  beforeEach(() => {
    undoRetries?.stop();
    undoRetries = new Retries({ firstDelayMs: 20, maxDelayMs: 50, giveUpAfterMs: 30_000 });
    wallet = new ScriptedWallet();
    maxOpenOrders = 5;
    deps = {
      store: new OrderStore(db),
      risk: { checkBatch: async ({ body }) => ({ results: body.orders.map(() => ({ ok: true as const, value: { market: MARKET, maxOpenOrders } })) }) },
      placements: new MicroBatcher<Placement, Placed>({
        run: (items) => placeOrders(deps, items),
        maxItems: 50,
        maxInFlight: 2,
        maxQueued: 1000,
        what: 'orders',
      }),
      wallet: wallet.client,
      relay: { wake: () => {} },
      undoRetries,
      logger,
      clientOrderIdWindowMs: 60_000,
      inProgressWaitMs: 500,
      metrics: new TradingMetrics(createMetrics(`saga-test-${randomUUID()}`).registry),
      updates: { publish: async () => {} },
    };
  });

  const actor = (): ActorCredential => ({ id: randomUUID(), role: 'user', assertion: '' });
  const buy = (overrides: Partial<PlaceOrderRequest> = {}): PlaceOrderRequest => ({
    symbol: 'SAGA',
    side: 'BUY',
    type: 'LIMIT',
    price: '100.05',
    quantity: '30',
    postOnly: false,
    ...overrides,
  });
  const rows = async (userId: string) =>
    (await db.query<{ id: string; status: string }>('SELECT id, status FROM orders WHERE user_id = $1 ORDER BY seq', [userId])).rows;
  const outbox = async (orderId: string) =>
    Number((await db.query('SELECT count(*) FROM outbox WHERE event_id = $1', [`order_created:${orderId}`])).rows[0].count);

  it('places: the order is NEW, its hold made, its command in the outbox — all or nothing', async () => {
    const who = actor();
    const placed = await placeOrder(deps, who, buy());
    expect(placed.statusCode).toBe(201);
    expect(placed.order).toMatchObject({ status: 'NEW', price: '100.05', quantity: '30', timeInForce: 'GTC' });
    // 30 × 100.05 + 25 bp
    expect(wallet.holds.get(placed.order.id)).toEqual({ asset: 'USD', amount: '3009.00' });
    expect(await outbox(placed.order.id)).toBe(1);
    expect(await rows(who.id)).toEqual([{ id: placed.order.id, status: 'NEW' }]);
  });

  it('a MARKET order is IOC unless asked otherwise', async () => {
    deps.risk = {
      checkBatch: async ({ body }) => ({
        results: body.orders.map(() => ({ ok: true as const, value: { market: MARKET, maxOpenOrders, protectionPrice: '110.00' } })),
      }),
    };
    const placed = await placeOrder(deps, actor(), buy({ type: 'MARKET', price: undefined }));
    expect(placed.order).toMatchObject({ type: 'MARKET', timeInForce: 'IOC', price: null });
    expect(wallet.holds.get(placed.order.id)?.amount).toBe('3308.25');
  });

  it('compensates a refused hold by forgetting the order, without a release (no hold was made)', async () => {
    const who = actor();
    wallet.nextBlock = 'refused';
    await expect(placeOrder(deps, who, buy())).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    expect(await rows(who.id)).toEqual([]);
    expect(wallet.releases).toEqual([]);
  });

  it('compensates a hold that timed out by releasing what may have been held, then forgetting the order', async () => {
    const who = actor();
    wallet.nextBlock = 'timeout-after-hold';
    await expect(placeOrder(deps, who, buy())).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(await rows(who.id)).toEqual([]);
    expect(wallet.releases).toHaveLength(1);
    expect(wallet.holds.size).toBe(0);
    // a timeout that had held nothing: the release finds no hold, which is fine
    wallet.nextBlock = 'timeout-no-hold';
    await expect(placeOrder(deps, who, buy())).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(await rows(who.id)).toEqual([]);
  });

  it('compensates a publish that failed after the hold: released and forgotten, nothing in the outbox', async () => {
    const who = actor();
    // the row is claimed by someone else between the hold and the publish (the janitor, say)
    const realPublish = deps.store.publishMany.bind(deps.store);
    deps.store.publishMany = async (client, ids) => {
      for (const id of ids) await deps.store.transition(db, id, 'claimUndo');
      return realPublish(client, ids);
    };
    await expect(placeOrder(deps, who, buy())).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    // the placement's own undo found the row claimed, so left it to the one that claimed it
    const [left] = await rows(who.id);
    expect(left?.status).toBe('ABORTING');
    expect(wallet.holds.size).toBe(1);
    // the janitor finishes it: the same compensation, from ABORTING
    deps.store.publishMany = realPublish;
    await db.query("UPDATE orders SET updated_at = now() - interval '1 minute' WHERE id = $1", [left!.id]);
    await finishStalePlacements(deps, 0);
    expect(await rows(who.id)).toEqual([]);
    expect(wallet.holds.size).toBe(0);
    expect(await outbox(left!.id)).toBe(0);
  });

  it('never undoes a placement that was published: the undo loses the race and changes nothing', async () => {
    const placed = await placeOrder(deps, actor(), buy());
    expect(await undoPlacement(deps, { id: placed.order.id, status: 'PENDING' }, { holdMayExist: true })).toBe(false);
    expect(wallet.holds.has(placed.order.id)).toBe(true);
    expect(wallet.releases).toEqual([]);
    expect((await deps.store.find(db, placed.order.id))?.status).toBe('NEW');
  });

  it('retries an undo whose release failed, soon, until the wallet answers: released once and forgotten', async () => {
    const who = actor();
    wallet.nextBlock = 'timeout-after-hold';
    wallet.failReleases = 3;
    await expect(placeOrder(deps, who, buy())).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    await eventually(async () => (await rows(who.id)).length === 0, 10_000, 'the undo finished by its retries');
    expect(wallet.failReleases).toBe(0);
    expect(wallet.holds.size).toBe(0);
    expect(wallet.releases).toHaveLength(1);
  });

  it('finishes, through the janitor, an undo left ABORTING by a process that died', async () => {
    const who = actor();
    const orderId = randomUUID();
    await db.query(
      `INSERT INTO orders (id, user_id, request_hash, symbol, side, type, time_in_force, price_cents, quantity, status, tick_size_cents, lot_size,
                           maker_fee_bps, taker_fee_bps, hold_asset, hold_amount, created_at, updated_at)
       VALUES ($1, $2, 'x', 'SAGA', 'BUY', 'LIMIT', 'GTC', 10005, 30, 'ABORTING', 5, 10, 10, 25, 'USD', 300900, now() - interval '1 minute', now() - interval '1 minute')`,
      [orderId, who.id],
    );
    wallet.holds.set(orderId, { asset: 'USD', amount: '3009.00' });
    expect(await finishStalePlacements(deps, 60_000)).toBe(1);
    expect(await rows(who.id)).toEqual([]);
    expect(wallet.releases).toEqual([orderId]);
  });

  it('answers a retry after the wallet’s outage as soon as the wallet is back: the failed placement’s undo is finished at once, then the order placed', async () => {
    const who = actor();
    // a long outage: the hold timed out after it was made, and no release gets through
    undoRetries.stop();
    undoRetries = new Retries({ firstDelayMs: 60_000, maxDelayMs: 60_000, giveUpAfterMs: 600_000 });
    deps.undoRetries = undoRetries;
    wallet.nextBlock = 'timeout-after-hold';
    wallet.failReleases = 1_000_000;
    await expect(placeOrder(deps, who, buy({ clientOrderId: 'retry-1' }))).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect((await rows(who.id)).map((row) => row.status)).toEqual(['ABORTING']);
    // while the wallet is down, a retry is told to come back
    await expect(placeOrder(deps, who, buy({ clientOrderId: 'retry-1' }))).rejects.toMatchObject({ code: 'REQUEST_IN_PROGRESS' });

    // the wallet is back; the undo's own retry is a minute away, but the client's retry finishes it
    wallet.failReleases = 0;
    const started = Date.now();
    const placed = await placeOrder(deps, who, buy({ clientOrderId: 'retry-1' }));
    expect(placed.statusCode).toBe(201);
    expect(Date.now() - started).toBeLessThan(deps.inProgressWaitMs);
    expect((await rows(who.id)).map((row) => [row.id, row.status])).toEqual([[placed.order.id, 'NEW']]);
    // the first placement's hold given back once; the new one's held
    expect(wallet.releases).toHaveLength(1);
    expect([...wallet.holds.keys()]).toEqual([placed.order.id]);
  });

  it('a cancel asked again after the engine refused one is a new command, not a duplicate of the first', async () => {
    const who = actor();
    const placed = await placeOrder(deps, who, buy());
    const commands = async () =>
      (
        await db.query<{ event_id: string }>(
          "SELECT event_id FROM outbox WHERE event_id LIKE 'order_cancel_requested:%' AND event_id LIKE $1 ORDER BY event_id",
          [`%${placed.order.id}%`],
        )
      ).rows.map((row) => row.event_id);
    expect((await cancelOrder(deps, who.id, placed.order.id)).cancelRequested).toBe(true);
    // asked twice while the first is pending: asked once
    await cancelOrder(deps, who.id, placed.order.id);
    expect(await commands()).toEqual([`order_cancel_requested:${placed.order.id}:1`]);
    // the engine's cancel_rejected clears the request (what applying that event does)
    await withTransaction(db, (client) => deps.store.clearCancelRequest(client, placed.order.id));
    expect((await cancelOrder(deps, who.id, placed.order.id)).cancelRequested).toBe(true);
    expect(await commands()).toEqual([`order_cancel_requested:${placed.order.id}:1`, `order_cancel_requested:${placed.order.id}:2`]);
  });

  it('undoes, through the janitor, a placement that died after its hold (PENDING long after any placement runs)', async () => {
    const who = actor();
    // a placement killed between the hold and the publish: a PENDING row and a hold
    const orderId = randomUUID();
    await db.query(
      `INSERT INTO orders (id, user_id, request_hash, symbol, side, type, time_in_force, price_cents, quantity, status, tick_size_cents, lot_size,
                           maker_fee_bps, taker_fee_bps, hold_asset, hold_amount, created_at)
       VALUES ($1, $2, 'x', 'SAGA', 'BUY', 'LIMIT', 'GTC', 10005, 30, 'PENDING', 5, 10, 10, 25, 'USD', 300900, now() - interval '1 minute')`,
      [orderId, who.id],
    );
    wallet.holds.set(orderId, { asset: 'USD', amount: '3009.00' });
    // a young PENDING row may still be placing: left alone
    expect(await finishStalePlacements(deps, 120_000)).toBe(0);
    expect(await rows(who.id)).toHaveLength(1);
    expect(await finishStalePlacements(deps, 30_000)).toBe(1);
    expect(await rows(who.id)).toEqual([]);
    expect(wallet.releases).toEqual([orderId]);
  });

  it('keeps the open-order limit under concurrent placements: exactly the limit pass, the rest are refused and leave nothing', async () => {
    const who = actor();
    maxOpenOrders = 3;
    const answers = await Promise.allSettled(Array.from({ length: 8 }, () => placeOrder(deps, who, buy())));
    const placed = answers.filter((answer) => answer.status === 'fulfilled');
    const refused = answers.filter((answer): answer is PromiseRejectedResult => answer.status === 'rejected');
    expect(placed).toHaveLength(3);
    expect(refused).toHaveLength(5);
    for (const refusal of refused) expect(refusal.reason).toMatchObject({ code: 'RISK_REJECTED', details: { rule: 'MAX_OPEN_ORDERS', maxOpenOrders: 3 } });
    // a refused placement wrote nothing and held nothing
    expect((await rows(who.id)).map((row) => row.status)).toEqual(['NEW', 'NEW', 'NEW']);
    expect(wallet.holds.size).toBe(3);
  });

  it('answers a retry with the order it placed, and refuses another order under an open clientOrderId', async () => {
    const who = actor();
    const first = await placeOrder(deps, who, buy({ clientOrderId: 'c-1' }));
    const again = await placeOrder(deps, who, buy({ clientOrderId: 'c-1' }));
    expect(again.order.id).toBe(first.order.id);
    await expect(placeOrder(deps, who, buy({ clientOrderId: 'c-1', quantity: '40' }))).rejects.toMatchObject({ code: 'DUPLICATE_CLIENT_ORDER_ID' });
    expect(await rows(who.id)).toHaveLength(1);
  });

  it('places orders that arrive together in batches, answering each on its own (a risk refusal, a refused hold, placed ones)', async () => {
    const calls = { risk: 0, wallet: 0 };
    const refuseBySymbol = (symbol: string) => symbol === 'NOPE';
    deps.risk = {
      checkBatch: async ({ body }) => {
        calls.risk += 1;
        return {
          results: body.orders.map((order) =>
            refuseBySymbol(order.symbol)
              ? { ok: false as const, status: 404, error: { code: 'UNKNOWN_SYMBOL', message: 'There is no market NOPE' } }
              : { ok: true as const, value: { market: MARKET, maxOpenOrders } },
          ),
        };
      },
    };
    const realBatch = wallet.client.blockFundsBatch;
    deps.wallet = {
      ...wallet.client,
      blockFundsBatch: async (request) => {
        calls.wallet += 1;
        const answer = await realBatch(request);
        // the hold of the 70-share order is refused (and so never made), the others held
        return {
          results: answer.results.map((result, index) => {
            const hold = request.body.holds[index]!;
            if (hold.amount !== '7021.00') return result;
            wallet.holds.delete(hold.reference);
            return { ok: false as const, status: 422, error: { code: 'INSUFFICIENT_FUNDS', message: 'no' } };
          }),
        };
      },
    };
    const users = Array.from({ length: 12 }, actor);
    const orders = users.map((user, index) => placeOrder(deps, user, buy({ symbol: index === 3 ? 'NOPE' : 'SAGA', quantity: index === 5 ? '70' : '30' })));
    const answers = await Promise.allSettled(orders);
    const outcome = answers.map((answer) => (answer.status === 'fulfilled' ? answer.value.order.status : (answer.reason as AppError).code));
    expect(outcome[3]).toBe('UNKNOWN_SYMBOL');
    expect(outcome[5]).toBe('INSUFFICIENT_FUNDS');
    expect(outcome.filter((status) => status === 'NEW')).toHaveLength(10);
    // fewer calls than orders: they went together
    expect(calls.risk).toBeLessThan(12);
    expect(calls.wallet).toBeLessThan(11);
    // the refused ones left no row and no hold
    for (const index of [3, 5]) expect(await rows(users[index]!.id)).toEqual([]);
    expect(wallet.holds.size).toBe(10);
  });

  it('places a request sent twice at once under one clientOrderId once, and answers both with it', async () => {
    const who = actor();
    const [first, second] = await Promise.all([placeOrder(deps, who, buy({ clientOrderId: 'twice' })), placeOrder(deps, who, buy({ clientOrderId: 'twice' }))]);
    expect(second.order.id).toBe(first.order.id);
    expect(await rows(who.id)).toHaveLength(1);
  });
});
