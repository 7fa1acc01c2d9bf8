import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import {
  CALLER_HEADER,
  CALLER_NAMES,
  type CallerName,
  EMPTY_BODY_SHA256,
  INTERNAL_ACCESS,
  OPEN_ROUTE,
  type RouteAccess,
  type ServiceName,
  USER_ASSERTION_HEADER,
} from '@exchange/contracts';
import { type Actor, type GeneratedIdentities, internalHeaders, loadSigningKey } from '@exchange/platform';
import { quietFingerprint } from '@exchange/platform/testing';
import { type PrivateSystem, startPrivateSystem } from '@exchange/tools';
import { SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Every internal route of every service, attacked the way a process on the network could: without
 * credentials, as a process the route does not accept, with forged, expired and misdirected tokens,
 * with a user assertion a service minted itself, for someone else's user, as a non-admin on an
 * admin route. Each must be refused with the error contract, and nothing anywhere may change.
 */

interface Sample {
  method: string;
  path: string;
  body?: unknown;
  /** a batch's body, each item carrying the given user assertion (routes that act for each item's user) */
  batch?: (assertion: string) => unknown;
  /** the user the request is about, for routes that act for one (a batch: the user of its items) */
  user?: Actor;
}

interface Trader {
  userId: string;
  email: string;
  token: string;
}

interface Fixture {
  victim: Trader;
  attacker: Trader;
  adminId: string;
  symbol: string;
  orderId: string;
}

/** A request each route would accept from its legitimate caller, so that only the credentials are wrong. */
const SAMPLES: { [S in keyof typeof INTERNAL_ACCESS]: { [R in keyof (typeof INTERNAL_ACCESS)[S]]: (f: Fixture) => Sample } } = {
  'user-service': {
    'POST /register': () => ({ method: 'POST', path: '/register', body: { email: `forged-${randomUUID()}@example.com`, password: 'a-long-passphrase-9' } }),
    'POST /auth/login': (f) => ({ method: 'POST', path: '/auth/login', body: { email: f.victim.email, password: 'correct-horse-battery' } }),
    'GET /me': (f) => ({ method: 'GET', path: '/me', user: { id: f.victim.userId, role: 'user' } }),
    'GET /users/:id': (f) => ({ method: 'GET', path: `/users/${f.victim.userId}` }),
    'GET /users': (f) => ({ method: 'GET', path: `/users?email=${encodeURIComponent(f.victim.email)}`, user: { id: f.adminId, role: 'admin' } }),
    'GET /.well-known/jwks.json': () => ({ method: 'GET', path: '/.well-known/jwks.json' }),
    'POST /api-keys': (f) => ({
      method: 'POST',
      path: '/api-keys',
      body: { label: 'forged', scopes: ['read', 'trade'] },
      user: { id: f.victim.userId, role: 'user' },
    }),
    'GET /api-keys': (f) => ({ method: 'GET', path: '/api-keys', user: { id: f.victim.userId, role: 'user' } }),
    'DELETE /api-keys/:id': (f) => ({ method: 'DELETE', path: `/api-keys/${randomUUID()}`, user: { id: f.victim.userId, role: 'user' } }),
    'POST /api-keys/verify': () => ({
      method: 'POST',
      path: '/api-keys/verify',
      body: {
        keyId: randomUUID(),
        timestamp: String(Date.now()),
        signature: 'f'.repeat(64),
        method: 'GET',
        path: '/v1/me',
        query: '',
        bodySha256: EMPTY_BODY_SHA256,
        ip: '127.0.0.1',
        scope: 'read',
      },
    }),
  },
  'order-manager': {
    'POST /order': (f) => ({
      method: 'POST',
      path: '/order',
      body: { symbol: f.symbol, side: 'BUY', type: 'LIMIT', price: '95.00', quantity: '1' },
      user: { id: f.victim.userId, role: 'user' },
    }),
    'POST /orders/batch': (f) => ({
      method: 'POST',
      path: '/orders/batch',
      batch: (assertion) => ({ orders: [{ assertion, order: { symbol: f.symbol, side: 'BUY', type: 'LIMIT', price: '95.00', quantity: '1' } }] }),
      user: { id: f.victim.userId, role: 'user' },
    }),
    'GET /orders': (f) => ({ method: 'GET', path: '/orders', user: { id: f.victim.userId, role: 'user' } }),
    'GET /orders/:id': (f) => ({ method: 'GET', path: `/orders/${f.orderId}`, user: { id: f.victim.userId, role: 'user' } }),
    'DELETE /orders/:id': (f) => ({ method: 'DELETE', path: `/orders/${f.orderId}`, user: { id: f.victim.userId, role: 'user' } }),
    'GET /trades': (f) => ({ method: 'GET', path: '/trades', user: { id: f.victim.userId, role: 'user' } }),
    'POST /outbox/replay': (f) => ({ method: 'POST', path: '/outbox/replay', body: { stream: `orders:${f.symbol}`, fromSeq: 1 } }),
    'GET /audit': () => ({ method: 'GET', path: '/audit' }),
  },
  'wallet-service': {
    'GET /balance/:userId': (f) => ({ method: 'GET', path: `/balance/${f.victim.userId}`, user: { id: f.victim.userId, role: 'user' } }),
    'GET /transactions/:userId': (f) => ({ method: 'GET', path: `/transactions/${f.victim.userId}`, user: { id: f.victim.userId, role: 'user' } }),
    'POST /update-balance': (f) => ({
      method: 'POST',
      path: '/update-balance',
      body: { userId: f.victim.userId, type: 'CREDIT', asset: 'USD', amount: '1000000.00' },
      user: { id: f.adminId, role: 'admin' },
    }),
    'POST /block-funds': (f) => ({
      method: 'POST',
      path: '/block-funds',
      body: { userId: f.victim.userId, asset: 'USD', amount: '10.00', reference: randomUUID() },
      user: { id: f.victim.userId, role: 'user' },
    }),
    'POST /block-funds/batch': (f) => ({
      method: 'POST',
      path: '/block-funds/batch',
      batch: (assertion) => ({ holds: [{ assertion, userId: f.victim.userId, asset: 'USD', amount: '10.00', reference: randomUUID() }] }),
      user: { id: f.victim.userId, role: 'user' },
    }),
    'POST /holds/open': () => ({ method: 'POST', path: '/holds/open', body: { olderThanMs: 0 } }),
    'POST /release-funds': (f) => ({ method: 'POST', path: '/release-funds', body: { reference: f.orderId, releaseId: `forged:${randomUUID()}` } }),
    'POST /settle-trade': (f) => ({ method: 'POST', path: '/settle-trade', body: settlement(f) }),
    'POST /settle-trades': (f) => ({ method: 'POST', path: '/settle-trades', body: { trades: [settlement(f)] } }),
    'POST /outbox/replay': () => ({ method: 'POST', path: '/outbox/replay', body: { stream: 'wallet-events', fromSeq: 1 } }),
    'GET /audit': () => ({ method: 'GET', path: '/audit' }),
  },
  'risk-manager': {
    'GET /markets': () => ({ method: 'GET', path: '/markets' }),
    'GET /markets/:symbol': (f) => ({ method: 'GET', path: `/markets/${f.symbol}` }),
    'POST /markets': (f) => ({
      method: 'POST',
      path: '/markets',
      body: {
        symbol: `F${randomUUID()
          .slice(0, 6)
          .toUpperCase()
          .replace(/[^A-Z0-9]/g, 'X')}`,
        name: 'Forged',
        referencePrice: '1.00',
      },
      user: { id: f.adminId, role: 'admin' },
    }),
    'PATCH /markets/:symbol': (f) => ({ method: 'PATCH', path: `/markets/${f.symbol}`, body: { status: 'HALTED' }, user: { id: f.adminId, role: 'admin' } }),
    'GET /users/:userId/limits': (f) => ({ method: 'GET', path: `/users/${f.victim.userId}/limits`, user: { id: f.adminId, role: 'admin' } }),
    'PUT /users/:userId/limits': (f) => ({
      method: 'PUT',
      path: `/users/${f.victim.userId}/limits`,
      body: { killSwitch: true },
      user: { id: f.adminId, role: 'admin' },
    }),
    'POST /check': (f) => ({
      method: 'POST',
      path: '/check',
      body: { orderId: randomUUID(), userId: f.victim.userId, symbol: f.symbol, side: 'BUY', type: 'LIMIT', price: '95.00', quantity: '1' },
      user: { id: f.victim.userId, role: 'user' },
    }),
    'POST /check/batch': (f) => ({
      method: 'POST',
      path: '/check/batch',
      batch: (assertion) => ({
        orders: [{ assertion, orderId: randomUUID(), userId: f.victim.userId, symbol: f.symbol, side: 'BUY', type: 'LIMIT', price: '95.00', quantity: '1' }],
      }),
      user: { id: f.victim.userId, role: 'user' },
    }),
  },
  'matching-engine': {
    'GET /books/:symbol': (f) => ({ method: 'GET', path: `/books/${f.symbol}` }),
    'POST /outbox/replay': (f) => ({ method: 'POST', path: '/outbox/replay', body: { stream: `executions:${f.symbol}`, fromSeq: 1 } }),
    'GET /audit': () => ({ method: 'GET', path: '/audit' }),
    'POST /orders/states': (f) => ({ method: 'POST', path: '/orders/states', body: { symbol: f.symbol, asOfSeq: 0, orderIds: [f.orderId] } }),
  },
  'market-data': {
    'GET /audit': () => ({ method: 'GET', path: '/audit' }),
    'GET /markets/:symbol/book': (f) => ({ method: 'GET', path: `/markets/${f.symbol}/book` }),
    'GET /markets/:symbol/trades': (f) => ({ method: 'GET', path: `/markets/${f.symbol}/trades` }),
    'GET /markets/:symbol/candles': (f) => ({ method: 'GET', path: `/markets/${f.symbol}/candles?interval=1m` }),
    'GET /markets/:symbol/ticker': (f) => ({ method: 'GET', path: `/markets/${f.symbol}/ticker` }),
    'GET /tickers': () => ({ method: 'GET', path: '/tickers' }),
  },
  notification: {
    'GET /audit': () => ({ method: 'GET', path: '/audit' }),
    'GET /notifications': (f) => ({ method: 'GET', path: '/notifications', user: { id: f.victim.userId, role: 'user' } }),
    'POST /notifications/:id/read': (f) => ({ method: 'POST', path: `/notifications/${randomUUID()}/read`, user: { id: f.victim.userId, role: 'user' } }),
  },
  'reporting-service': {
    'GET /audit': () => ({ method: 'GET', path: '/audit' }),
    'GET /reports/statement': (f) => ({ method: 'GET', path: '/reports/statement', user: { id: f.victim.userId, role: 'user' } }),
    'GET /reports/pnl': (f) => ({ method: 'GET', path: '/reports/pnl', user: { id: f.victim.userId, role: 'user' } }),
    'GET /reports/volume': (f) => ({ method: 'GET', path: '/reports/volume', user: { id: f.adminId, role: 'admin' } }),
  },
};

/** Shares from the victim to the attacker at a price nobody agreed, for a trade the engine never made. */
function settlement(f: Fixture) {
  return {
    tradeId: `forged-${randomUUID()}`,
    symbol: f.symbol,
    price: '0.01',
    quantity: '1',
    buyer: { userId: f.attacker.userId, holdReference: randomUUID(), fee: '0.00' },
    seller: { userId: f.victim.userId, holdReference: f.orderId, fee: '0.00' },
  };
}

/** Everything an internal call could change: a fingerprint per table, so a failure names what changed. */
const DIGESTED: Record<string, string> = {
  wallets: "SELECT string_agg(concat_ws(',', user_id, system_account, asset, available, held), ';' ORDER BY id) FROM wallet_service.wallets",
  holds: "SELECT string_agg(concat_ws(',', reference, remaining), ';' ORDER BY reference) FROM wallet_service.holds",
  transactions: 'SELECT count(*)::text FROM wallet_service.transactions',
  orders: "SELECT string_agg(concat_ws(',', id, status, cancel_requested, filled_quantity), ';' ORDER BY id) FROM order_manager.orders",
  markets: "SELECT string_agg(concat_ws(',', symbol, status, reference_price_cents, updated_at), ';' ORDER BY symbol) FROM risk_manager.markets",
  limits: "SELECT string_agg(concat_ws(',', user_id, kill_switch, max_open_orders, updated_at), ';' ORDER BY user_id) FROM risk_manager.risk_limits",
  notifications: "SELECT string_agg(concat_ws(',', id, read), ';' ORDER BY id) FROM notification.notifications",
  users: "SELECT string_agg(concat_ws(',', id, role, updated_at), ';' ORDER BY id) FROM user_service.users",
  journal: 'SELECT count(*)::text FROM matching_engine.journal',
};

/** The system under attack: its own, so that nothing else moves while the fingerprints are compared. */
let exchange: PrivateSystem;
let db: pg.Client;

async function stateDigest(): Promise<string> {
  const select = Object.entries(DIGESTED)
    .map(([name, sql]) => `'${name}=' || coalesce(md5((${sql})), '-')`)
    .join(` || ' ' || `);
  return (await db.query<{ digest: string }>(`SELECT ${select} AS digest`)).rows[0]!.digest;
}

/** Through the public API, as a client does; fails the setup on any refusal. */
async function api(method: string, path: string, token?: string, body?: unknown): Promise<any> {
  const response = await fetch(`${exchange.gateway}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function trader(tag: string, cash: string, shares: Record<string, string>, adminToken: string): Promise<Trader> {
  const email = `${tag}-${randomUUID()}@example.com`;
  const { user } = await api('POST', '/v1/auth/register', undefined, { email, password: 'correct-horse-battery' });
  const { accessToken } = await api('POST', '/v1/auth/login', undefined, { email, password: 'correct-horse-battery' });
  await api('POST', '/v1/wallet/add-funds', accessToken, { amount: cash });
  for (const [asset, amount] of Object.entries(shares)) await api('POST', '/v1/admin/credit', adminToken, { userId: user.id, asset, amount });
  return { userId: user.id, email, token: accessToken };
}

/** The digest once the system is quiet: every event the fixture set off is handled. */
function settledDigest(): Promise<string> {
  return quietFingerprint({ db, redisUrl: exchange.redisUrl, redisKeyPrefix: exchange.redisKeyPrefix }, stateDigest);
}

async function send(service: ServiceName, sample: Sample, headers: Record<string, string>, itemAssertion: string) {
  const body = sample.batch ? sample.batch(itemAssertion) : sample.body;
  const response = await fetch(`${exchange.system.urls[service]}${sample.path}`, {
    method: sample.method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as { error?: { code: string; message: string } }) : undefined };
}

/** A token shaped like ours, signed by whoever the test likes. */
async function forgedToken(options: { issuer: CallerName; audience: string; key?: string; expired?: boolean; typ?: string; kid?: string }) {
  const identities = exchange.identities;
  const pem = options.key ?? identities.privateKeys[options.issuer];
  const signing = await loadSigningKey(options.issuer, pem);
  const now = Math.floor(Date.now() / 1000);
  const issuedAt = options.expired ? now - 600 : now;
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA', kid: options.kid ?? signing.kid, typ: options.typ ?? 'exchange-caller+jwt' })
    .setIssuer(options.issuer)
    .setSubject(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + 60)
    .sign(signing.key);
}

const ROOT = resolve(__dirname, '..', '..');

const strangerKey = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('every internal route refuses whoever it does not accept, and changes nothing', () => {
  let fixture: Fixture;
  let before: string;
  const identities = (): GeneratedIdentities => exchange.identities;

  beforeAll(async () => {
    exchange = await startPrivateSystem(ROOT, { seedAdmin: true, env: { OTEL_SDK_DISABLED: 'true' } });
    db = new pg.Client({ connectionString: exchange.databaseUrl });
    await db.connect();
    const adminLogin = await api('POST', '/v1/auth/login', undefined, { email: 'admin@exchange.local', password: 'exchange-admin' });
    const symbol = 'ATTK';
    await api('POST', '/v1/admin/markets', adminLogin.accessToken, { symbol, name: 'Attack Inc.', tickSize: '0.01', lotSize: '1', referencePrice: '100.00' });
    const victim = await trader('victim', '5000.00', { [symbol]: '50' }, adminLogin.accessToken);
    const attacker = await trader('attacker', '10.00', {}, adminLogin.accessToken);
    const { order } = await api('POST', '/v1/orders', victim.token, { symbol, side: 'BUY', type: 'LIMIT', price: '95.00', quantity: '2' });
    fixture = { victim, attacker, adminId: adminLogin.user.id, symbol, orderId: order.id };
    before = await settledDigest();
  });

  afterAll(async () => {
    await db?.end();
    await exchange?.stop();
  });

  it('has an attack sample for every route of the access table, and only the public keys are open', () => {
    for (const [service, table] of Object.entries(INTERNAL_ACCESS)) {
      expect(Object.keys(SAMPLES[service as keyof typeof SAMPLES]).sort(), service).toEqual(Object.keys(table).sort());
      for (const [route, rule] of Object.entries(table)) if (rule === OPEN_ROUTE) expect(`${service} ${route}`).toBe('user-service GET /.well-known/jwks.json');
    }
  });

  for (const [service, table] of Object.entries(INTERNAL_ACCESS) as Array<[ServiceName, Record<string, RouteAccess | typeof OPEN_ROUTE>]>) {
    for (const [route, rule] of Object.entries(table)) {
      if (rule === OPEN_ROUTE) continue;
      it(`${service} ${route}`, async () => {
        const sample = (SAMPLES as unknown as Record<string, Record<string, (f: Fixture) => Sample>>)[service]![route]!(fixture);
        const legitimate = rule.callers[0]!;
        // each refusal: what is wrong, the headers, the answer expected, and the assertion a batch's items carry
        const refusals: Array<[string, Record<string, string>, number, string, string | undefined]> = [];
        const refuse = (what: string, headers: Record<string, string>, status: number, code: string, itemAssertion?: string) =>
          refusals.push([what, headers, status, code, itemAssertion]);

        refuse('no credentials', {}, 401, 'CALLER_UNAUTHENTICATED');
        refuse('a user assertion alone', await assertionOnly(sample.user ?? { id: fixture.victim.userId, role: 'admin' }), 401, 'CALLER_UNAUTHENTICATED');
        for (const caller of CALLER_NAMES.filter((name) => !rule.callers.includes(name))) {
          refuse(`${caller}, which it does not accept`, await internalHeaders(identities(), caller, service, sample.user), 403, 'CALLER_NOT_ALLOWED');
        }
        const asLegitimate = (token: string): Record<string, string> => ({ [CALLER_HEADER]: token, ...userHeader(sample.user) });
        const userHeader = (user: Actor | undefined): Record<string, string> => (user ? { [USER_ASSERTION_HEADER]: assertionFor(user) } : {});
        const assertionFor = (user: Actor) => assertions.get(`${user.id}:${user.role}`)!;
        const assertions = new Map<string, string>();
        for (const user of [sample.user, { id: fixture.attacker.userId, role: 'user' as const }].filter(Boolean) as Actor[]) {
          assertions.set(`${user.id}:${user.role}`, (await internalHeaders(identities(), 'client-gateway', service, user))[USER_ASSERTION_HEADER]!);
        }
        refuse(
          'a key nobody trusts, claiming to be the caller',
          asLegitimate(await forgedToken({ issuer: legitimate, audience: service, key: strangerKey() })),
          401,
          'CALLER_UNAUTHENTICATED',
        );
        refuse(
          'a stranger key under the caller’s kid',
          asLegitimate(
            await forgedToken({
              issuer: legitimate,
              audience: service,
              key: strangerKey(),
              kid: (await loadSigningKey(legitimate, identities().privateKeys[legitimate])).kid,
            }),
          ),
          401,
          'CALLER_UNAUTHENTICATED',
        );
        refuse('an expired token', asLegitimate(await forgedToken({ issuer: legitimate, audience: service, expired: true })), 401, 'CALLER_UNAUTHENTICATED');
        const elsewhere = service === 'notification' ? 'reporting-service' : 'notification';
        refuse(
          'a token meant for another service',
          asLegitimate(await forgedToken({ issuer: legitimate, audience: elsewhere })),
          401,
          'CALLER_UNAUTHENTICATED',
        );
        refuse('a user assertion passed off as a caller token', asLegitimate(assertions.values().next().value ?? 'x.y.z'), 401, 'CALLER_UNAUTHENTICATED');
        refuse('alg none', asLegitimate(unsignedToken(legitimate, service)), 401, 'CALLER_UNAUTHENTICATED');

        const caller = (await internalHeaders(identities(), legitimate, service))[CALLER_HEADER]!;
        if (rule.actor === 'user' || rule.actor === 'admin') {
          refuse('no user asserted', { [CALLER_HEADER]: caller }, 403, 'CALLER_NOT_ALLOWED');
          const selfMade = await forgedToken({ issuer: legitimate, audience: 'exchange', typ: 'exchange-user+jwt' });
          refuse('a user assertion the caller minted itself', { [CALLER_HEADER]: caller, [USER_ASSERTION_HEADER]: selfMade }, 401, 'CALLER_UNAUTHENTICATED');
        }
        if (rule.actor === 'admin' || rule.adminWhen) {
          refuse(
            'a user who is not an admin',
            { [CALLER_HEADER]: caller, ...userHeader({ id: fixture.attacker.userId, role: 'user' }) },
            403,
            'CALLER_NOT_ALLOWED',
          );
        }
        if (rule.actor === 'each') {
          // the caller is the right one; what is wrong is an item's user
          const selfMade = await forgedToken({ issuer: legitimate, audience: 'exchange', typ: 'exchange-user+jwt' });
          refuse('an item whose user assertion the caller minted itself', { [CALLER_HEADER]: caller }, 401, 'CALLER_UNAUTHENTICATED', selfMade);
          refuse('an item whose assertion is a caller token', { [CALLER_HEADER]: caller }, 401, 'CALLER_UNAUTHENTICATED', caller);
          if (rule.items?.self) {
            const attackerAssertion = assertionFor({ id: fixture.attacker.userId, role: 'user' });
            refuse('an item about another user than its asserted one', { [CALLER_HEADER]: caller }, 403, 'CALLER_NOT_ALLOWED', attackerAssertion);
          }
        }
        if (rule.self && !rule.adminWhen) {
          refuse(
            'another user than the one the request is about',
            { [CALLER_HEADER]: caller, ...userHeader({ id: fixture.attacker.userId, role: 'user' }) },
            403,
            'CALLER_NOT_ALLOWED',
          );
        }

        const victimAssertion = sample.user ? assertionFor(sample.user) : 'x.y.z';
        for (const [what, headers, status, code, itemAssertion] of refusals) {
          const answer = await send(service, sample, headers, itemAssertion ?? victimAssertion);
          expect({ what, status: answer.status, code: answer.body?.error?.code }).toEqual({ what, status, code });
          expect(answer.body?.error?.message, what).toEqual(expect.any(String));
        }
        expect(await stateDigest()).toBe(before);
      });
    }
  }

  it('changed nothing at all, anywhere', async () => {
    expect(await settledDigest()).toBe(before);
  });

  async function assertionOnly(user: Actor) {
    const headers = await internalHeaders(identities(), 'client-gateway', 'user-service', user);
    return { [USER_ASSERTION_HEADER]: headers[USER_ASSERTION_HEADER]! };
  }
});

function unsignedToken(issuer: CallerName, audience: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: 'none', typ: 'exchange-caller+jwt' })}.${encode({ iss: issuer, sub: issuer, aud: audience, iat: now, exp: now + 60 })}.`;
}
