import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateSystem, type PrivateSystem } from '@exchange/tools';

const ROUTE_RATE_LIMIT = 20;

/**
 * The gateway's market routes against the real risk-manager and user-service, started by the same
 * launcher as `npm start` (which seeds the demo admin and the demo markets).
 */
describe('gateway market routes', () => {
  let exchange: PrivateSystem;
  let gateway: string;
  let adminToken: string;
  let userToken: string;
  let userId: string;

  async function call(method: string, path: string, options: { body?: unknown; token?: string; ip?: string; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { 'x-forwarded-for': options.ip ?? `198.51.${randomInt(0, 255)}.${randomInt(1, 255)}`, ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(`${gateway}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  async function logIn(email: string, password: string): Promise<string> {
    const response = await call('POST', '/v1/auth/login', { body: { email, password } });
    if (response.status !== 200) throw new Error(`login failed: ${JSON.stringify(response.body)}`);
    return response.body.accessToken;
  }

  beforeAll(async () => {
    exchange = await startPrivateSystem(resolve(__dirname, '..', '..', '..'), {
      seedAdmin: true,
      services: ['client-gateway', 'user-service', 'risk-manager'],
      env: { LOG_LEVEL: 'error', OTEL_SDK_DISABLED: 'true', TRUST_PROXY: '127.0.0.1', RATE_LIMIT_MAX: String(ROUTE_RATE_LIMIT) },
    });
    gateway = exchange.gateway;
    adminToken = await logIn('admin@exchange.local', 'exchange-admin');
    const email = `trader-${randomBytes(4).toString('hex')}@example.com`;
    const registered = await call('POST', '/v1/auth/register', { body: { email, password: 'correct-horse-battery' } });
    userId = registered.body.user.id;
    userToken = await logIn(email, 'correct-horse-battery');
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  it('lists the demo markets to anyone, without a token', async () => {
    const list = await call('GET', '/v1/markets');
    expect(list.status).toBe(200);
    expect(list.body.items.map((market: { symbol: string }) => market.symbol)).toEqual(['AAPL', 'AMZN', 'GOOGL', 'MSFT', 'TSLA']);
    expect(list.body.items[0]).toMatchObject({
      symbol: 'AAPL',
      name: 'Apple Inc.',
      baseAsset: 'AAPL',
      quoteAsset: 'USD',
      tickSize: '0.01',
      lotSize: '1',
      status: 'TRADING',
    });
    const one = await call('GET', '/v1/markets/MSFT');
    expect(one.status).toBe(200);
    expect(one.body.market).toMatchObject({ symbol: 'MSFT', name: 'Microsoft Corporation', referencePrice: '420.00' });
    const missing = await call('GET', '/v1/markets/NOPE');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('UNKNOWN_SYMBOL');
  });

  it('limits the public routes per client address', async () => {
    const ip = `203.0.113.${randomInt(1, 255)}`;
    const answers = [];
    for (let i = 0; i <= ROUTE_RATE_LIMIT; i++) answers.push(await call('GET', '/v1/markets', { ip }));
    expect(answers.slice(0, ROUTE_RATE_LIMIT).every((answer) => answer.status === 200)).toBe(true);
    const limited = answers.at(-1)!;
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(limited.headers.get('retry-after')).toBeTruthy();
  });

  it('lets an admin list a market, refuses a duplicate and bad terms', async () => {
    const created = await call('POST', '/v1/admin/markets', {
      token: adminToken,
      body: { symbol: 'NVDA', name: 'NVIDIA Corporation', referencePrice: '120.00' },
    });
    expect(created.status).toBe(201);
    expect(created.body.market).toMatchObject({ symbol: 'NVDA', tickSize: '0.01', lotSize: '1', status: 'TRADING', takerFeeBps: 10 });
    expect((await call('GET', '/v1/markets/NVDA')).body.market.name).toBe('NVIDIA Corporation');

    const duplicate = await call('POST', '/v1/admin/markets', { token: adminToken, body: { symbol: 'NVDA', name: 'Again', referencePrice: '1.00' } });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('MARKET_EXISTS');

    const bad = await call('POST', '/v1/admin/markets', { token: adminToken, body: { symbol: 'BAD', name: 'Bad', tickSize: '0.05', referencePrice: '1.02' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: { referencePrice: ['must be a multiple of the tick size (0.05)'] } },
    });
  });

  it('lets an admin halt and resume a market, which everyone sees', async () => {
    const halted = await call('PATCH', '/v1/admin/markets/TSLA', { token: adminToken, body: { status: 'HALTED' } });
    expect(halted.status).toBe(200);
    expect(halted.body.market.status).toBe('HALTED');
    expect((await call('GET', '/v1/markets/TSLA')).body.market.status).toBe('HALTED');
    expect((await call('PATCH', '/v1/admin/markets/TSLA', { token: adminToken, body: { status: 'TRADING' } })).body.market.status).toBe('TRADING');
    const unknown = await call('PATCH', '/v1/admin/markets/NOPE', { token: adminToken, body: { status: 'HALTED' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('UNKNOWN_SYMBOL');
  });

  it('lets an admin read and set a user’s risk limits and kill switch', async () => {
    const defaults = await call('GET', `/v1/admin/users/${userId}/risk-limits`, { token: adminToken });
    expect(defaults).toMatchObject({
      status: 200,
      body: { userId, maxOpenOrders: 200, maxOrdersPerMinute: 600, maxNotional: null, killSwitch: false, updatedAt: null },
    });
    const set = await call('PUT', `/v1/admin/users/${userId}/risk-limits`, {
      token: adminToken,
      body: { maxOpenOrders: 10, maxNotional: '5000.00', killSwitch: true },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ userId, maxOpenOrders: 10, maxOrdersPerMinute: 600, maxNotional: '5000.00', killSwitch: true });
    const cleared = await call('PUT', `/v1/admin/users/${userId}/risk-limits`, { token: adminToken, body: { maxOpenOrders: null, killSwitch: false } });
    expect(cleared.body).toMatchObject({ maxOpenOrders: 200, maxNotional: '5000.00', killSwitch: false });

    const nobody = await call('GET', `/v1/admin/users/${randomUUID()}/risk-limits`, { token: adminToken });
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.code).toBe('USER_NOT_FOUND');
    expect((await call('PUT', `/v1/admin/users/${randomUUID()}/risk-limits`, { token: adminToken, body: { killSwitch: true } })).status).toBe(404);
  });

  it('hides every admin route from other users (404) and asks anonymous callers to sign in (401)', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['POST', '/v1/admin/markets', { symbol: 'HACK', name: 'Hack', referencePrice: '1.00' }],
      ['PATCH', '/v1/admin/markets/AAPL', { status: 'HALTED' }],
      ['GET', `/v1/admin/users/${userId}/risk-limits`],
      ['PUT', `/v1/admin/users/${userId}/risk-limits`, { killSwitch: false }],
    ];
    for (const [method, path, body] of routes) {
      const hidden = await call(method, path, { token: userToken, body });
      expect(hidden.status, `${method} ${path}`).toBe(404);
      expect(hidden.body.error.code).toBe('ROUTE_NOT_FOUND');
      expect((await call(method, path, { body })).status).toBe(401);
    }
    expect((await call('GET', '/v1/markets/HACK')).status).toBe(404);
    expect((await call('GET', '/v1/markets/AAPL')).body.market.status).toBe('TRADING');
  });

  it('documents the routes in OpenAPI and allows PUT from the front end (CORS)', async () => {
    const document = (await call('GET', '/docs/json')).body;
    expect(document.paths['/v1/markets'].get.tags).toEqual(['markets']);
    expect(document.paths['/v1/markets/{symbol}'].get).toBeDefined();
    expect(document.paths['/v1/admin/markets'].post.tags).toEqual(['admin']);
    expect(document.paths['/v1/admin/markets/{symbol}'].patch).toBeDefined();
    expect(document.paths['/v1/admin/users/{userId}/risk-limits'].put).toBeDefined();
    const preflight = await fetch(`${gateway}/v1/admin/users/${userId}/risk-limits`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
  });
});
