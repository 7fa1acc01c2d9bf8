import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { eventually } from '@exchange/platform/testing';
import { startPrivateSystem, type PrivateSystem } from '@exchange/tools';

const ROOT = resolve(__dirname, '..', '..', '..');
const SYMBOL = 'RPTA';
const MAX_RANGE_DAYS = 31;
const dayAgo = () => new Date(Date.now() - 86_400_000);

/**
 * The reporting-service as a real process in a whole exchange (gateway, users, risk, wallet, orders,
 * engine), against real PostgreSQL and Redis, started by the launcher. A scripted session of two
 * traders produces the events; the reports are checked against numbers worked out by hand.
 */
describe('reporting-service', () => {
  let exchange: PrivateSystem;
  let gateway: string;
  let db: pg.Client;
  const logs: string[] = [];
  let admin: string;
  const alice = { id: '', token: '' };
  const bob = { id: '', token: '' };
  const carol = { id: '', token: '' };
  /** the scripted period: after the deposits were reported, before nothing else happens */
  let t1: Date;
  let t2: Date;

  async function call(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; headers: Headers; text: string; body: any }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${gateway}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  }

  async function ok(method: string, path: string, token: string, body?: unknown, status = 200): Promise<any> {
    const answer = await call(method, path, token, body);
    if (answer.status !== status) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
    return answer.body;
  }

  async function register(who: { id: string; token: string }): Promise<void> {
    const email = `trader-${randomBytes(4).toString('hex')}@example.com`;
    who.id = (await ok('POST', '/v1/auth/register', '', { email, password: 'correct-horse-battery' }, 201)).user.id;
    who.token = (await ok('POST', '/v1/auth/login', '', { email, password: 'correct-horse-battery' })).accessToken;
  }

  const order = (token: string, side: 'BUY' | 'SELL', quantity: string, price: string, extra: Record<string, unknown> = {}) =>
    ok('POST', '/v1/orders', token, { symbol: SYMBOL, side, type: 'LIMIT', price, quantity, ...extra }, 201);

  const balance = async (token: string, asset: string) => ((await ok('GET', '/v1/wallet', token)).balances as any[]).find((b) => b.asset === asset);

  const statement = (token: string, from = t1, to = t2) => ok('GET', `/v1/reports/statement?from=${from.toISOString()}&to=${to.toISOString()}`, token);
  const volume = () => ok('GET', `/v1/reports/volume?symbol=${SYMBOL}&from=${t1.toISOString().slice(0, 10)}`, admin);

  beforeAll(async () => {
    exchange = await startPrivateSystem(ROOT, {
      seedAdmin: true,
      services: ['user-service', 'risk-manager', 'wallet-service', 'order-manager', 'matching-engine', 'reporting-service', 'client-gateway'],
      env: {
        OTEL_SDK_DISABLED: 'true',
        RATE_LIMIT_MAX: '100000',
        RATE_LIMIT_ADDRESS_MAX: '100000',
        RATE_LIMIT_AUTH_MAX: '1000',
        REPORT_MAX_RANGE_DAYS: String(MAX_RANGE_DAYS),
      },
      output: (line) => logs.push(line),
    });
    gateway = exchange.gateway;
    db = new pg.Client({ connectionString: exchange.databaseUrl });
    await db.connect();
    admin = (await ok('POST', '/v1/auth/login', '', { email: 'admin@exchange.local', password: 'exchange-admin' })).accessToken;
    await ok(
      'POST',
      '/v1/admin/markets',
      admin,
      { symbol: SYMBOL, name: 'Report Inc.', tickSize: '0.01', lotSize: '1', referencePrice: '100.00', makerFeeBps: 5, takerFeeBps: 10 },
      201,
    );
    await register(alice);
    await register(bob);
    await register(carol);

    // before the period: deposits and an admin share credit
    await ok('POST', '/v1/wallet/add-funds', alice.token, { amount: '10000.00' });
    await ok('POST', '/v1/wallet/add-funds', bob.token, { amount: '1000.00' });
    await ok('POST', '/v1/admin/credit', admin, { userId: bob.id, asset: SYMBOL, amount: '100' });
    await ok('POST', '/v1/wallet/add-funds', carol.token, { amount: '50.00' });
    const now = new Date(Date.now() + 60_000);
    await eventually(async () => (await statement(bob.token, dayAgo(), now)).assets.length === 2, 20_000, 'the deposits and the credit reported');
    await eventually(async () => (await statement(carol.token, dayAgo(), now)).assets.length === 1, 20_000, "carol's deposit reported");
    await eventually(async () => (await statement(alice.token, dayAgo(), now)).assets.length === 1, 20_000, "alice's deposit reported");
    await new Promise((done) => setTimeout(done, 20));
    t1 = new Date();
    await new Promise((done) => setTimeout(done, 20));

    // the session (maker fee 5 bp, taker fee 10 bp, each rounded down to the cent)
    await order(bob.token, 'SELL', '30', '100.00'); // rests
    await order(alice.token, 'BUY', '20', '101.00'); // trade 1: 20 @ 100.00, alice taker
    const rest = await order(alice.token, 'BUY', '15', '100.00'); // trade 2: 10 @ 100.00 (bob's order filled), 5 rest
    await eventually(async () => (await ok('GET', `/v1/orders/${rest.order.id}`, alice.token)).order.filledQuantity === '10', 20_000, 'trade 2');
    await ok('DELETE', `/v1/orders/${rest.order.id}`, alice.token); // the cancel
    await eventually(async () => (await balance(alice.token, SYMBOL))?.available === '30', 20_000, 'alice settled with 30 shares');
    await eventually(async () => (await balance(bob.token, 'USD'))?.available === '3998.50', 20_000, 'bob settled');
    await order(alice.token, 'SELL', '12', '103.00'); // rests
    await order(bob.token, 'BUY', '12', '103.00'); // trade 3: 12 @ 103.00, alice maker
    await order(bob.token, 'SELL', '5', '102.50'); // rests
    await order(alice.token, 'BUY', '8', '102.50'); // trade 4: 5 @ 102.50, 3 rest (left open)
    await order(bob.token, 'SELL', '1', '102.00', { postOnly: true }); // would take: rejected

    await eventually(
      async () => {
        const items = (await volume()).items;
        return items[0]?.trades === 4 && items[0]?.orders.rejected === 1 && items[0]?.orders.canceled === 1;
      },
      30_000,
      'the engine events reported',
    );
    const later = new Date(Date.now() + 60_000);
    await eventually(
      async () => (await statement(alice.token, t1, later)).fills.length === 4 && (await statement(bob.token, t1, later)).fills.length === 4,
      30_000,
      'the settlements reported',
    );
    await new Promise((done) => setTimeout(done, 20));
    t2 = new Date();
  }, 180_000);

  afterAll(async () => {
    await db?.end();
    await exchange?.stop();
  });

  it('gives each user a statement: opening balance, every entry with the balance after it, closing balance, and the fills', async () => {
    const mine = await statement(alice.token);
    const [usd, shares] = mine.assets;
    expect(usd.asset).toBe('USD');
    expect(usd.opening).toBe('10000.00');
    expect(usd.entries.map((e: any) => [e.type, e.amount, e.balanceAfter])).toEqual([
      ['TRADE', '-2000.00', '8000.00'], // trade 1: 20 × 100.00
      ['FEE', '-2.00', '7998.00'], //        taker 10 bp of 2000.00
      ['TRADE', '-1000.00', '6998.00'], // trade 2: 10 × 100.00
      ['FEE', '-1.00', '6997.00'], //        10 bp of 1000.00
      ['TRADE', '1236.00', '8233.00'], //  trade 3: sold 12 × 103.00
      ['FEE', '-0.61', '8232.39'], //        maker 5 bp of 1236.00 = 0.618, down to 0.61
      ['TRADE', '-512.50', '7719.89'], //  trade 4: 5 × 102.50
      ['FEE', '-0.51', '7719.38'], //        10 bp of 512.50 = 0.5125, down to 0.51
    ]);
    expect(usd.closing).toBe('7719.38');
    expect(shares).toMatchObject({ asset: SYMBOL, opening: '0', closing: '23' });
    expect(shares.entries.map((e: any) => [e.amount, e.balanceAfter, e.side])).toEqual([
      ['20', '20', 'BUY'],
      ['10', '30', 'BUY'],
      ['-12', '18', 'SELL'],
      ['5', '23', 'BUY'],
    ]);
    expect(mine.fills.map((f: any) => [f.side, f.price, f.quantity, f.fee])).toEqual([
      ['BUY', '100.00', '20', '2.00'],
      ['BUY', '100.00', '10', '1.00'],
      ['SELL', '103.00', '12', '0.61'],
      ['BUY', '102.50', '5', '0.51'],
    ]);
    expect(mine.fills.every((f: any) => f.symbol === SYMBOL && /^RPTA:\d+$/.test(f.tradeId))).toBe(true);
    // the wallet agrees with the closing balances (3 × 102.50 + its largest fee still held for the open buy)
    const cash = await balance(alice.token, 'USD');
    expect(cash.total).toBe('7719.38');

    const his = await statement(bob.token);
    expect(his.assets.map((a: any) => [a.asset, a.opening, a.closing])).toEqual([
      ['USD', '1000.00', '3273.52'],
      [SYMBOL, '100', '77'],
    ]);
    expect(his.assets[0].entries.map((e: any) => e.balanceAfter)).toEqual([
      '3000.00',
      '2999.00', // +2000.00, maker fee 5 bp = 1.00
      '3999.00',
      '3998.50', // +1000.00, fee 0.50
      '2762.50',
      '2761.27', // −1236.00, taker fee 1.236 → 1.23
      '3273.77',
      '3273.52', // +512.50, maker fee 0.25625 → 0.25
    ]);
    expect(his.assets[1].entries.map((e: any) => e.amount)).toEqual(['-20', '-10', '12', '-5']);
  });

  it('offers the statement as a CSV file that opens in a spreadsheet', async () => {
    const answer = await call('GET', `/v1/reports/statement?from=${t1.toISOString()}&to=${t2.toISOString()}&format=csv`, alice.token);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toBe(
      `attachment; filename="statement-${t1.toISOString().slice(0, 10)}-${t2.toISOString().slice(0, 10)}.csv"`,
    );
    const rows = answer.text.split('\r\n');
    expect(rows[0]).toBe('record,time,asset,type,amount,balance_after,reference,symbol,side,price,quantity,fee');
    expect(rows[1]).toBe(`OPENING_BALANCE,${t1.toISOString()},USD,,,10000.00,,,,,,`);
    expect(rows[2]).toMatch(/^ENTRY,\d{4}-\d\d-\d\dT[\d:.]+Z,USD,TRADE,-2000\.00,8000\.00,RPTA:\d+,RPTA,BUY,,,$/);
    expect(rows[10]).toBe(`CLOSING_BALANCE,${t2.toISOString()},USD,,,7719.38,,,,,,`);
    // USD: opening + 8 + closing; shares: opening + 4 + closing; 4 fills; the header; the final CRLF
    expect(rows).toHaveLength(1 + 10 + 6 + 4 + 1);
    expect(rows.at(-2)).toMatch(/^FILL,.*,RPTA,TRADE,512\.50,,RPTA:\d+,RPTA,BUY,102\.50,5,0\.51$/);
    expect(rows.at(-1)).toBe('');
  });

  it('reports P&L by weighted average cost, at the last trade price', async () => {
    const mine = await ok('GET', '/v1/reports/pnl', alice.token);
    // buys: 20 × 100 + 2.00 fee and 10 × 100 + 1.00 → 30 shares for 3003.00
    // sell 12 @ 103.00 − 0.61 fee: cost out 3003.00 × 12/30 = 1201.20; realized 1236.00 − 0.61 − 1201.20 = 34.19
    // left 18 for 1801.80; buy 5 × 102.50 + 0.51 → 23 for 2314.81; average 2314.81/23 = 100.6439… → 100.64
    // market 102.50 (trade 4): value 23 × 102.50 = 2357.50; unrealized 2357.50 − 2314.81 = 42.69
    expect(mine).toEqual({
      positions: [
        {
          symbol: SYMBOL,
          quantity: '23',
          averageCost: '100.64',
          costBasis: '2314.81',
          marketPrice: '102.50',
          marketValue: '2357.50',
          unrealizedPnl: '42.69',
          realizedPnl: '34.19',
        },
      ],
      totals: { costBasis: '2314.81', marketValue: '2357.50', unrealizedPnl: '42.69', realizedPnl: '34.19' },
    });
    const his = await ok('GET', '/v1/reports/pnl', bob.token);
    // 100 credited at zero cost; sells 20 @ 100 − 1.00 and 10 @ 100 − 0.50 realize 1999.00 + 999.50 = 2998.50
    // buy 12 @ 103 + 1.23 → 82 for 1237.23; sell 5 @ 102.50 − 0.25: cost out 1237.23 × 5/82 = 75.4408… → 75.44,
    // realized 512.50 − 0.25 − 75.44 = 436.81 → 3435.31; left 77 for 1161.79, average 15.0881… → 15.09
    // value 77 × 102.50 = 7892.50; unrealized 7892.50 − 1161.79 = 6730.71
    expect(his.positions).toEqual([
      {
        symbol: SYMBOL,
        quantity: '77',
        averageCost: '15.09',
        costBasis: '1161.79',
        marketPrice: '102.50',
        marketValue: '7892.50',
        unrealizedPnl: '6730.71',
        realizedPnl: '3435.31',
      },
    ]);
  });

  it('counts the exchange volumes per symbol and UTC day, for admins only', async () => {
    const report = await volume();
    // accepted: bob 30, alice 20, alice 15, alice 12, bob 12, bob 5, alice 8 (the post-only was never accepted)
    // filled: alice's 20 (trade 1), bob's 30 (trade 2), alice's 12 and bob's 12 (trade 3), bob's 5 (trade 4)
    expect(report.items).toEqual([
      {
        symbol: SYMBOL,
        day: t1.toISOString().slice(0, 10),
        orders: { accepted: 7, filled: 5, canceled: 1, expired: 0, rejected: 1 },
        trades: 4,
        quantity: '47',
        notional: '4748.50', // 2000.00 + 1000.00 + 1236.00 + 512.50
      },
    ]);
    const refused = await call('GET', `/v1/reports/volume?symbol=${SYMBOL}`, alice.token);
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('ROUTE_NOT_FOUND');
    expect((await call('GET', '/v1/reports/volume')).status).toBe(401);
    const document = (await call('GET', '/docs/json')).body;
    expect(document.paths['/v1/reports/volume'].get.tags).toEqual(['admin']);
    expect(document.paths['/v1/reports/statement'].get.tags).toEqual(['reports']);
    const all = await ok('GET', '/v1/reports/volume', admin);
    expect(all.items.map((item: any) => item.symbol)).toEqual([SYMBOL]);
  });

  it("never shows anyone else's data", async () => {
    const wide = { from: dayAgo(), to: new Date(Date.now() + 60_000) };
    // the gateway takes the user from the token, whatever the query says
    const asked = await ok('GET', `/v1/reports/statement?userId=${bob.id}&from=${t1.toISOString()}&to=${t2.toISOString()}`, alice.token);
    expect(asked).toEqual(await statement(alice.token));
    const carols = await ok('GET', `/v1/reports/statement?from=${wide.from.toISOString()}&to=${wide.to.toISOString()}`, carol.token);
    expect(carols.assets).toEqual([
      { asset: 'USD', opening: '0.00', closing: '50.00', entries: [expect.objectContaining({ type: 'DEPOSIT', amount: '50.00', balanceAfter: '50.00' })] },
    ]);
    expect(carols.fills).toEqual([]);
    expect(await ok('GET', '/v1/reports/pnl', carol.token)).toEqual({
      positions: [],
      totals: { costBasis: '0.00', marketValue: '0.00', unrealizedPnl: '0.00', realizedPnl: '0.00' },
    });
    const alices = JSON.stringify(await statement(alice.token, wide.from, wide.to));
    expect(alices).not.toContain(carols.assets[0].entries[0].reference);
    expect((await call('GET', '/v1/reports/statement')).status).toBe(401);
    expect((await call('GET', '/v1/reports/pnl')).status).toBe(401);
  });

  it('refuses bad input with the fields at fault', async () => {
    const refusal = async (path: string, token = alice.token) => {
      const answer = await call('GET', path, token);
      return [answer.status, answer.body.error.code, answer.body.error.details?.fields ?? answer.body.error.details];
    };
    const dateMessage = 'must be an ISO-8601 date or time with a zone, e.g. 2025-01-31 or 2025-01-31T12:00:00Z';
    expect(await refusal('/v1/reports/statement?from=yesterday&to=2025-02-30')).toEqual([400, 'VALIDATION_FAILED', { from: [dateMessage], to: [dateMessage] }]);
    expect(await refusal('/v1/reports/statement?from=2025-02-01&to=2025-01-01')).toEqual([400, 'VALIDATION_FAILED', { from: ['must not be after to'] }]);
    expect(await refusal('/v1/reports/statement?from=2025-01-01&to=2025-03-01')).toEqual([
      400,
      'VALIDATION_FAILED',
      { to: [`must be at most ${MAX_RANGE_DAYS} days after from`] },
    ]);
    expect(await refusal('/v1/reports/statement?format=xlsx')).toEqual([400, 'VALIDATION_FAILED', { format: ['must be json or csv'] }]);
    expect(await refusal('/v1/reports/statement?format=csv&from=nope')).toEqual([400, 'VALIDATION_FAILED', { from: [dateMessage] }]);
    expect(await refusal('/v1/reports/volume?from=2025-01-01&to=2025-12-31', admin)).toEqual([
      400,
      'VALIDATION_FAILED',
      { to: [`must be at most ${MAX_RANGE_DAYS} days after from`] },
    ]);
    expect(await refusal('/v1/reports/volume?to=2025-13-01', admin)).toEqual([400, 'VALIDATION_FAILED', { to: [dateMessage] }]);
    expect(await refusal('/v1/reports/volume?symbol=NOPE', admin)).toEqual([404, 'UNKNOWN_SYMBOL', { symbol: 'NOPE' }]);
  });

  it('rebuilds the read models from its own event log into identical reports', async () => {
    const reports = async () => ({
      alice: await statement(alice.token),
      bob: await statement(bob.token),
      alicePnl: await ok('GET', '/v1/reports/pnl', alice.token),
      bobPnl: await ok('GET', '/v1/reports/pnl', bob.token),
      volume: await volume(),
    });
    const before = await reports();
    // the read models are lost...
    await db.query(
      'TRUNCATE reporting_service.report_ledger_entries, reporting_service.report_fills, reporting_service.report_positions, reporting_service.report_trades, reporting_service.report_volume_daily',
    );
    expect((await ok('GET', '/v1/reports/pnl', alice.token)).positions).toEqual([]);
    // ...and the rebuild command derives them again from report_events alone
    const { stdout } = await promisify(execFile)(process.execPath, [resolve(ROOT, 'services/reporting-service/dist/rebuild.js')], {
      env: { ...process.env, DATABASE_URL: exchange.databaseUrl, LOG_LEVEL: 'warn' },
    });
    expect(stdout).toMatch(/^reports rebuilt from \d+ events/);
    const { rows } = await db.query("SELECT count(*)::int AS n FROM reporting_service.report_events WHERE type IN ('funds_added', 'trade_settled', 'trade')");
    expect(rows[0].n).toBe(4 + 4 + 4);
    expect(await reports()).toEqual(before);
  });
});
