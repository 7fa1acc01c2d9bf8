import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createExchangeClient, ExchangeApiError, ExchangeStream, type ExchangeClient } from '@exchange/client';
import { apiKeySigner, generateEd25519KeyPair, streamSignIn, type ApiKeyCredentials } from '@exchange/client/signing';
import { eventually } from '@exchange/platform/testing';
import { call, exchange, gatewayUrl, queryDatabase, randomIp } from './support.js';
import { StreamClient } from './stream-support.js';
import { newMarket, trader, type Trader } from './trading-support.js';

/** A typed client that signs every request with the key, from `ip`. */
function signedClient(credentials: ApiKeyCredentials, ip = randomIp(), now: () => number = Date.now): ExchangeClient {
  return createExchangeClient({ baseUrl: gatewayUrl(), signer: apiKeySigner(credentials, now), headers: { 'x-forwarded-for': ip } });
}

/** The headers of a signed request, for the tests of the wire itself. */
async function signedHeaders(credentials: ApiKeyCredentials, method: string, pathAndQuery: string, body = '', now = Date.now()) {
  const [path = '', query = ''] = pathAndQuery.split('?');
  return apiKeySigner(credentials, () => now)({ method, path, query, body });
}

const refusal = async (promise: Promise<unknown>): Promise<ExchangeApiError> => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ExchangeApiError);
  return error as ExchangeApiError;
};

async function hmacKey(owner: Trader, request: { scopes: Array<'read' | 'trade'>; allowedIps?: string[]; expiresAt?: string; label?: string }) {
  const created = await exchange(owner.token).createApiKey({ body: { label: request.label ?? 'bot', ...request } });
  expect(created.secret).toBeDefined();
  return { id: created.apiKey.id, credentials: { keyId: created.apiKey.id, secret: created.secret! } };
}

async function openOrders(owner: Trader): Promise<number> {
  return (await exchange(owner.token).orders({ query: { status: 'open' } })).items.length;
}

describe('API keys for bots, through the gateway', () => {
  it('lets a bot with an HMAC key read, place, cancel and re-place (amend by cancel); the key is listed with its last use, never its secret', async () => {
    const symbol = await newMarket();
    const owner = await trader('10000.00');
    const ip = randomIp();
    const { id, credentials } = await hmacKey(owner, { scopes: ['read', 'trade'], label: 'market maker' });
    const bot = signedClient(credentials, ip);

    expect((await bot.me()).user.id).toBe(owner.userId);
    expect((await bot.wallet()).balances).toEqual([{ asset: 'USD', available: '10000.00', held: '0.00', total: '10000.00' }]);
    const { order } = await bot.placeOrder({ body: { symbol, side: 'BUY', type: 'LIMIT', price: '99.00', quantity: '5', clientOrderId: 'bot-1' } });
    expect(order).toMatchObject({ symbol, status: 'NEW', price: '99.00', clientOrderId: 'bot-1' });
    // amend by cancel: cancel, then place the new price
    expect((await bot.cancelOrder({ params: { id: order.id } })).order.cancelRequested).toBe(true);
    const amended = await bot.placeOrder({ body: { symbol, side: 'BUY', type: 'LIMIT', price: '99.50', quantity: '5', clientOrderId: 'bot-2' } });
    await eventually(async () => (await bot.order({ params: { id: order.id } })).order.status === 'CANCELED', 15_000, 'the cancel');
    expect((await bot.orders({ query: { status: 'open' } })).items.map((o) => o.id)).toEqual([amended.order.id]);
    await bot.cancelOrder({ params: { id: amended.order.id } });

    const listed = (await exchange(owner.token).apiKeys()).items;
    expect(listed).toEqual([expect.objectContaining({ id, label: 'market maker', kind: 'HMAC', scopes: ['read', 'trade'], lastUsedIp: ip, revokedAt: null })]);
    expect(listed[0]!.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(credentials.secret);
    // the secret is stored encrypted: not in the database as sent
    const rows = await queryDatabase<{ text: string }>("SELECT encode(secret_ciphertext, 'escape') AS text FROM user_service.api_keys WHERE id = $1", [id]);
    expect(rows[0]!.text).not.toContain(credentials.secret);
  });

  it('accepts an Ed25519 key whose private half only the bot holds', async () => {
    const owner = await trader();
    const pair = generateEd25519KeyPair();
    const created = await exchange(owner.token).createApiKey({ body: { label: 'ed25519 bot', scopes: ['read'], publicKey: pair.publicKeyPem } });
    expect(created.secret).toBeUndefined();
    expect(created.apiKey.kind).toBe('ED25519');
    const bot = signedClient({ keyId: created.apiKey.id, privateKeyPem: pair.privateKeyPem });
    expect((await bot.me()).user.id).toBe(owner.userId);
    const stranger = signedClient({ keyId: created.apiKey.id, privateKeyPem: generateEd25519KeyPair().privateKeyPem });
    expect(await refusal(stranger.me())).toMatchObject({ status: 401, code: 'SIGNATURE_INVALID' });
  });

  it('refuses every bad signed request with its own 401/403 code, and a refused placement places nothing', async () => {
    const symbol = await newMarket();
    const owner = await trader('10000.00');
    const { credentials } = await hmacKey(owner, { scopes: ['read', 'trade'] });
    const body = JSON.stringify({ symbol, side: 'BUY', type: 'LIMIT', price: '99.00', quantity: '1' });
    const send = async (headers: Record<string, string>, sentBody = body, path = '/v1/orders') =>
      call('POST', path, { rawBody: sentBody, headers: { ...headers, 'content-type': 'application/json' } });

    const cases: Array<[string, Promise<{ status: number; body: any; headers: Headers }>, number, string]> = [
      ['a wrong secret', send(await signedHeaders({ ...credentials, secret: 'guessed' }, 'POST', '/v1/orders', body)), 401, 'SIGNATURE_INVALID'],
      [
        'another body than the signed one',
        send(await signedHeaders(credentials, 'POST', '/v1/orders', body), body.replace('"1"', '"100"')),
        401,
        'SIGNATURE_INVALID',
      ],
      ['another path than the signed one', send(await signedHeaders(credentials, 'POST', '/v1/order', body)), 401, 'SIGNATURE_INVALID'],
      ['a timestamp 6 s old', send(await signedHeaders(credentials, 'POST', '/v1/orders', body, Date.now() - 6000)), 401, 'TIMESTAMP_OUTSIDE_WINDOW'],
      ['a timestamp 6 s ahead', send(await signedHeaders(credentials, 'POST', '/v1/orders', body, Date.now() + 6000)), 401, 'TIMESTAMP_OUTSIDE_WINDOW'],
      [
        'an unknown key',
        send(await signedHeaders({ ...credentials, keyId: '00000000-0000-4000-8000-000000000000' }, 'POST', '/v1/orders', body)),
        401,
        'API_KEY_INVALID',
      ],
      ['a missing signature header', send({ 'x-api-key': credentials.keyId, 'x-api-timestamp': String(Date.now()) }), 401, 'API_KEY_INVALID'],
    ];
    for (const [what, answer, status, code] of cases) {
      const response = await answer;
      expect([response.status, response.body?.error?.code], what).toEqual([status, code]);
    }
    // the same signed request twice: the second is a replay
    const headers = await signedHeaders(credentials, 'POST', '/v1/orders', body);
    expect((await send(headers)).status).toBe(201);
    const replay = await send(headers);
    expect([replay.status, replay.body.error.code]).toEqual([401, 'REQUEST_REPLAYED']);
    expect(await openOrders(owner)).toBe(1);

    // a token and a key at once; a route that takes a session only; an admin route
    const both = await call('GET', '/v1/me', { token: owner.token, headers: await signedHeaders(credentials, 'GET', '/v1/me') });
    expect([both.status, both.body.error.code]).toEqual([401, 'API_KEY_INVALID']);
    const funds = await call('POST', '/v1/wallet/add-funds', {
      rawBody: '{"amount":"5.00"}',
      headers: { ...(await signedHeaders(credentials, 'POST', '/v1/wallet/add-funds', '{"amount":"5.00"}')), 'content-type': 'application/json' },
    });
    expect([funds.status, funds.body.error.code]).toEqual([403, 'API_KEY_NOT_ALLOWED']);
    const keys = await call('GET', '/v1/api-keys', { headers: await signedHeaders(credentials, 'GET', '/v1/api-keys') });
    expect([keys.status, keys.body.error.code]).toEqual([403, 'API_KEY_NOT_ALLOWED']);
    const audit = await call('GET', '/v1/admin/audit', { headers: await signedHeaders(credentials, 'GET', '/v1/admin/audit') });
    expect([audit.status, audit.body.error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
    expect((await exchange(owner.token).wallet()).balances.find((b) => b.asset === 'USD')?.total).toBe('10000.00');
  });

  it('enforces scopes, the IP allow-list, expiry and revocation', async () => {
    const symbol = await newMarket();
    const owner = await trader('1000.00');
    const reader = await hmacKey(owner, { scopes: ['read'] });
    const placement = { symbol, side: 'BUY' as const, type: 'LIMIT' as const, price: '99.00', quantity: '1' };
    expect((await signedClient(reader.credentials).orders()).items).toEqual([]);
    expect(await refusal(signedClient(reader.credentials).placeOrder({ body: placement }))).toMatchObject({ status: 403, code: 'API_KEY_SCOPE_MISSING' });

    const fenced = await hmacKey(owner, { scopes: ['read', 'trade'], allowedIps: ['203.0.113.0/24'] });
    expect((await signedClient(fenced.credentials, '203.0.113.50').me()).user.id).toBe(owner.userId);
    expect(await refusal(signedClient(fenced.credentials, '198.51.100.7').placeOrder({ body: placement }))).toMatchObject({
      status: 403,
      code: 'API_KEY_IP_NOT_ALLOWED',
    });

    const expiring = await hmacKey(owner, { scopes: ['read'], expiresAt: new Date(Date.now() + 2000).toISOString() });
    expect((await signedClient(expiring.credentials).me()).user.id).toBe(owner.userId);
    await eventually(
      async () =>
        (await signedClient(expiring.credentials)
          .me()
          .catch((error: unknown) => error)) instanceof ExchangeApiError,
      10_000,
      'the expiry',
    );
    expect(await refusal(signedClient(expiring.credentials).me())).toMatchObject({ status: 401, code: 'API_KEY_EXPIRED' });

    const revoked = await hmacKey(owner, { scopes: ['read', 'trade'] });
    expect((await signedClient(revoked.credentials).me()).user.id).toBe(owner.userId);
    const answer = await exchange(owner.token).revokeApiKey({ params: { id: revoked.id } });
    expect(answer.apiKey.revokedAt).not.toBeNull();
    expect(await refusal(signedClient(revoked.credentials).placeOrder({ body: placement }))).toMatchObject({ status: 401, code: 'API_KEY_REVOKED' });
    // another user cannot see or revoke it
    const stranger = await trader();
    expect(await refusal(exchange(stranger.token).revokeApiKey({ params: { id: fenced.id } }))).toMatchObject({ status: 404, code: 'API_KEY_NOT_FOUND' });
    expect((await exchange(stranger.token).apiKeys()).items).toEqual([]);
    expect(await openOrders(owner)).toBe(0);
  });

  it('limits requests per key', async () => {
    const owner = await trader();
    const { credentials } = await hmacKey(owner, { scopes: ['read'] });
    const bot = signedClient(credentials);
    const limit = Number((await bot.raw('me')).headers.get('x-ratelimit-limit'));
    expect(limit).toBeGreaterThan(0);
    const answers = await Promise.all(Array.from({ length: limit + 5 }, () => bot.raw('me').catch((error: unknown) => error)));
    const limited = answers.filter((answer) => answer instanceof ExchangeApiError && answer.code === 'RATE_LIMITED');
    expect(limited.length).toBeGreaterThan(0);
    // every other answer was served: a burst of identical requests is not taken for replays
    expect(answers.filter((answer) => answer instanceof ExchangeApiError && answer.code !== 'RATE_LIMITED')).toEqual([]);
    expect((limited[0] as ExchangeApiError).retryAfter).toBeDefined();
    // the key's limit is its own: the owner's session is not limited by it
    expect((await exchange(owner.token).me()).user.id).toBe(owner.userId);
  });

  it('signs the live stream in with a key: the user channel follows the bot’s orders; a bad signature is refused', async () => {
    const symbol = await newMarket();
    const owner = await trader('1000.00');
    const { credentials } = await hmacKey(owner, { scopes: ['read', 'trade'] });

    const raw = await StreamClient.open();
    raw.send({ op: 'auth', apiKey: { id: credentials.keyId, timestamp: String(Date.now()), signature: 'f'.repeat(64) } });
    expect(await raw.next((frame) => frame.type === 'error')).toMatchObject({ code: 'SIGNATURE_INVALID' });
    raw.close();

    const stream = new ExchangeStream({ url: `${gatewayUrl().replace(/^http/, 'ws')}/v1/stream`, WebSocket: WebSocket as never });
    const updates: unknown[] = [];
    stream.setApiKey(streamSignIn(credentials));
    stream.subscribe('user', (event) => updates.push(event));
    stream.start();
    try {
      await eventually(() => stream.isAuthenticated, 10_000, 'the signed sign-in');
      await signedClient(credentials).placeOrder({ body: { symbol, side: 'BUY', type: 'LIMIT', price: '99.00', quantity: '1' } });
      await eventually(() => JSON.stringify(updates).includes(symbol), 10_000, 'the order on the user channel');
    } finally {
      stream.stop();
    }
  });
});
