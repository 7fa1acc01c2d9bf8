import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExchangeClient, type ExchangeClient } from '@exchange/client';
import pg from 'pg';
import { eventually } from '@exchange/platform/testing';
import { auditSystem, MarketSimulator, type PrivateSystem, SIMULATOR_DEFAULTS, simulatorHealth, startPrivateSystem } from '@exchange/tools';

async function queryKeys(databaseUrl: string): Promise<Array<{ email: string; label: string; live: boolean; used: boolean }>> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query(
      `SELECT u.email, k.label, k.revoked_at IS NULL AS live, k.last_used_at IS NOT NULL AS used
       FROM user_service.api_keys k JOIN user_service.users u ON u.id = k.user_id ORDER BY u.email`,
    );
    return rows;
  } finally {
    await db.end();
  }
}

const ROOT_DIR = resolve(__dirname, '..', '..');

/**
 * The market simulator as `npm start` runs it: a system of its own, started by the launcher with
 * the demo seeding and the simulator at its default rate, whose bots must make every market trade
 * within a minute, at several prices, as the public API shows it; and what they did must leave the books balanced (the audit).
 */
describe('the market simulator', () => {
  let exchange: PrivateSystem;
  let api: ExchangeClient;
  const logs: string[] = [];

  beforeAll(async () => {
    exchange = await startPrivateSystem(ROOT_DIR, {
      seedAdmin: true,
      seedDemoTrading: { adminEmail: 'admin@exchange.local', adminPassword: 'exchange-admin' },
      // the rate `npm start` runs it at: the markets must come alive within a minute of that
      simulator: { ratePerMarket: SIMULATOR_DEFAULTS.ratePerMarket, seed: 7 },
      // the limits `npm start` has: the bots' few accounts sign up and in once, then sign with API keys
      output: (line) => logs.push(line),
    });
    api = createExchangeClient({ baseUrl: exchange.gateway });
  }, 120_000);

  afterAll(async () => {
    await exchange?.stop();
  }, 60_000);

  it('makes every trading market trade at several prices, with candles and a 24 h ticker', async () => {
    const symbols = (await api.markets()).items.filter((market) => market.status === 'TRADING').map((market) => market.symbol);
    expect(symbols.length).toBeGreaterThan(0);
    const waiting = new Map(symbols.map((symbol) => [symbol, 'no reading yet']));
    // within a minute of every bot trading (the bots join in a few seconds: their accounts sign up once)
    await eventually(async () => (await simulatorHealth(exchange.system.simulatorUrl!))?.botsReady === symbols.length * 3, 30_000, 'every bot to join');
    const deadline = Date.now() + 60_000;
    while (waiting.size > 0) {
      for (const symbol of [...waiting.keys()]) {
        const [trades, candles, ticker] = await Promise.all([
          api.trades({ params: { symbol }, query: { limit: 200 } }),
          api.candles({ params: { symbol }, query: { interval: '1m', limit: 10 } }),
          api.ticker({ params: { symbol } }),
        ]);
        const prices = new Set(trades.items.map((trade) => trade.price));
        const moving = candles.items.some((candle) => candle.high !== candle.low);
        const volume = BigInt(ticker.volume24h);
        if (prices.size >= 2 && moving && volume > 0n && ticker.last !== null) waiting.delete(symbol);
        else waiting.set(symbol, `${trades.items.length} trades at ${prices.size} prices, a 1m candle with high ≠ low: ${moving}, 24 h volume ${volume}`);
      }
      if (waiting.size === 0) break;
      if (Date.now() > deadline) {
        const simulatorLines = logs.filter((line) => line.startsWith('simulator')).slice(-20);
        throw new Error(`not alive in time: ${[...waiting].map(([symbol, why]) => `${symbol} (${why})`).join('; ')}\n${simulatorLines.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }

    // the bots' own counts agree: orders accepted and trades seen, and it never crashed
    const metrics = await (await fetch(`${exchange.system.simulatorUrl}/metrics`)).text();
    expect(metrics).toMatch(/simulator_orders_total\{[^}]*outcome="accepted"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/simulator_trades_seen_total\{[^}]*\} [1-9]/);
    const health = await simulatorHealth(exchange.system.simulatorUrl!);
    expect(health).toMatchObject({ botsTotal: symbols.length * 3, botsReady: symbols.length * 3 });
    // the bots trade with API keys of their few accounts (one a role for up to ten markets)
    const keys = await queryKeys(exchange.databaseUrl);
    expect(keys).toEqual([
      { email: 'sim-maker-1@exchange.local', label: 'market simulator', live: true, used: true },
      { email: 'sim-momentum-1@exchange.local', label: 'market simulator', live: true, used: true },
      { email: 'sim-noise-1@exchange.local', label: 'market simulator', live: true, used: true },
    ]);
    expect(logs.filter((line) => / failed|could not/.test(line) && line.startsWith('simulator'))).toEqual([]);
    expect(exchange.system.processes.get('simulator')!.restartCount).toBe(0);
  }, 150_000);

  it('doubles as a load generator: orders sent on an open-loop clock, each timed from when it was due', async () => {
    const load = new MarketSimulator({
      gatewayUrl: exchange.gateway,
      adminEmail: 'admin@exchange.local',
      adminPassword: 'exchange-admin',
      ratePerMarket: 3,
      seed: 9,
      mode: 'load',
      // one summary, at the end: each summary takes the latencies since the one before
      summaryEveryMs: 600_000,
      output: () => {},
    });
    try {
      await load.start();
      await load.ready;
      await eventually(() => load.stats.orders >= 40, 60_000, 'forty orders under load');
    } finally {
      await load.stop();
    }
    const line = load.summaryLine();
    expect(line).toMatch(/orders from due to answered: p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms \((\d+)\)/);
    // every order sent was answered before the stop, and timed
    const counted = Number(/\((\d+)\)$/.exec(line)![1]);
    expect(counted).toBe(load.stats.orders);
    expect(counted).toBeGreaterThanOrEqual(40);
    expect(load.stats.accepted).toBeGreaterThan(0);
  }, 90_000);

  it("leaves the exchange's books consistent: the audit finds every trade paid for and every hold backed", async () => {
    // quiet first: what is in flight settles, then every service answers for its own data
    await exchange.system.processes.get('simulator')!.stop(5000);
    const report = await auditSystem({ urls: exchange.system.urls, identities: exchange.identities }, 30_000);
    expect(report.checks.filter((check) => !check.ok)).toEqual([]);
    expect(report.ok).toBe(true);
  }, 90_000);
});
