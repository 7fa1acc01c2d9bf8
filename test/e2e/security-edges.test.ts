import { createPrivateKey, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { internalHeaders, type GeneratedIdentities } from '@exchange/platform';
import { eventually } from '@exchange/platform/testing';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { LOGIN_FREE_ATTEMPTS, USER_CHECK_CACHE_MS } from './global-setup.js';
import { StreamClient } from './stream-support.js';
import { call, gatewayUrl, login, queryDatabase, randomIp, register, uniqueEmail } from './support.js';

/** What an outside review of the edge found, each fixed and proved here through the running gateway. */

/** An access token signed with the system's own key, with the claims the test chooses. */
async function ownToken(user: { id: string; email: string }, claims: { expiresInSeconds?: number; withoutExpiry?: boolean }, kid: string) {
  const jwt = new SignJWT({ email: user.email, role: 'user' })
    .setProtectedHeader({ alg: 'EdDSA', kid })
    .setSubject(user.id)
    .setIssuer('exchange/user-service')
    .setAudience('exchange')
    .setIssuedAt();
  if (!claims.withoutExpiry) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + (claims.expiresInSeconds ?? 600));
  return jwt.sign(createPrivateKey(inject('jwtPrivateKey')));
}

async function someUser() {
  const { email, password, user } = await register(uniqueEmail('edge'));
  const token = await login(email, password);
  return { email, password, user, token, kid: decodeProtectedHeader(token).kid as string };
}

/** A raw HTTP request, for what fetch refuses to send (oversized headers). */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const url = new URL(path, gatewayUrl());
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('passwords', () => {
  it('refuses common passwords, the e-mail itself and blanks, naming the field; nothing is created', async () => {
    for (const [password, message] of [
      ['password123', 'is one of the most common passwords; choose one that is harder to guess'],
      ['Qwerty123456', 'is one of the most common passwords; choose one that is harder to guess'],
      ['          ', 'must not be only spaces'],
    ]) {
      const email = uniqueEmail('weak');
      const response = await call('POST', '/v1/auth/register', { body: { email, password } });
      expect(response.status, password).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: { password: [message] } } });
      expect(await queryDatabase('SELECT 1 FROM user_service.users WHERE email = $1', [email])).toEqual([]);
    }
    const email = uniqueEmail('self');
    const own = await call('POST', '/v1/auth/register', { body: { email, password: email } });
    expect(own.body.error.details.fields.password).toEqual(['must not be your e-mail address']);
  });
});

describe('login throttling per account', () => {
  it('stops guessing one account from ever-new addresses: 429 with retry-after, even for the right password', async () => {
    const { email, password } = await someUser();
    for (let i = 0; i < LOGIN_FREE_ATTEMPTS; i++) {
      const wrong = await call('POST', '/v1/auth/login', { body: { email, password: `wrong-${i}-password` }, ip: randomIp() });
      expect(wrong.status).toBe(401);
    }
    const locked = await call('POST', '/v1/auth/login', { body: { email, password }, ip: randomIp() });
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('RATE_LIMITED');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // another account is not affected
    const other = await someUser();
    expect((await call('POST', '/v1/auth/login', { body: { email: other.email, password: other.password }, ip: randomIp() })).status).toBe(200);
  });
});

describe('tokens', () => {
  it('refuses a token without an expiry', async () => {
    const { user, email, kid } = await someUser();
    const token = await ownToken({ id: user.id, email }, { withoutExpiry: true }, kid);
    const response = await call('GET', '/v1/me', { token });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('refuses the still-valid token of an account that no longer exists', async () => {
    const { user, token } = await someUser();
    expect((await call('GET', '/v1/me', { token })).status).toBe(200);
    await queryDatabase('DELETE FROM user_service.users WHERE id = $1', [user.id]);
    // the gateway's own routes too, once its cached answer about the account is older than USER_CHECK_CACHE_MS
    await eventually(async () => (await call('GET', '/v1/wallet', { token })).status === 401, USER_CHECK_CACHE_MS * 5, 'the gateway to notice');
    expect((await call('GET', '/v1/wallet', { token })).body.error.code).toBe('UNAUTHENTICATED');
    expect((await call('GET', '/v1/me', { token })).body.error.code).toBe('UNAUTHENTICATED');
  });
});

describe('the wallet', () => {
  it('opens no account for a user the user-service does not know, even for an admin', async () => {
    const ghost = randomUUID();
    const [adminRow] = await queryDatabase<{ id: string }>("SELECT id FROM user_service.users WHERE role = 'admin' LIMIT 1");
    const headers = await internalHeaders(inject('identities') as GeneratedIdentities, 'client-gateway', 'wallet-service', { id: adminRow!.id, role: 'admin' });
    const response = await fetch(`${inject('serviceUrls')['wallet-service']}/update-balance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ userId: ghost, type: 'CREDIT', asset: 'USD', amount: '100.00' }),
    });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('USER_NOT_FOUND');
    expect(await queryDatabase('SELECT 1 FROM wallet_service.wallets WHERE user_id = $1', [ghost])).toEqual([]);
  });
});

describe('the live stream', () => {
  it('ends a session when its token expires (4401), unless the client re-authenticated on the open socket', async () => {
    const { user, email, kid } = await someUser();
    const shortLived = await ownToken({ id: user.id, email }, { expiresInSeconds: 2 }, kid);
    const expiring = await StreamClient.open({ token: shortLived });
    const renewed = await StreamClient.open({ token: shortLived });
    await expiring.next((frame) => frame.type === 'authenticated');
    await renewed.next((frame) => frame.type === 'authenticated');
    renewed.send({ op: 'auth', token: await ownToken({ id: user.id, email }, { expiresInSeconds: 600 }, kid) });
    await renewed.next((frame) => frame.type === 'authenticated' && Date.parse(frame.expiresAt) > Date.now() + 60_000);

    await expiring.until(() => expiring.closed !== undefined, 10_000, 'the expired session to close');
    expect(expiring.closed).toEqual({ code: 4401, reason: 'access token expired' });
    expect(expiring.frames.some((frame) => frame.type === 'error' && frame.code === 'UNAUTHENTICATED')).toBe(true);
    // the renewed one outlived the first token, and still answers
    renewed.send({ op: 'ping' });
    await renewed.next((frame) => frame.type === 'pong');
    expect(renewed.closed).toBeUndefined();
    renewed.close();
  });

  it('answers a plain GET with the error contract: 426 UPGRADE_REQUIRED', async () => {
    const response = await call('GET', '/v1/stream');
    expect(response.status).toBe(426);
    expect(response.body.error.code).toBe('UPGRADE_REQUIRED');
  });
});

describe('refusals of the HTTP layer itself', () => {
  it('answers a URL that is too long with 414 URI_TOO_LONG', async () => {
    const response = await call('GET', `/v1/markets/${'A'.repeat(5000)}`);
    expect(response.status).toBe(414);
    expect(response.body.error.code).toBe('URI_TOO_LONG');
  });

  it('answers headers that are too large with 431 in the error format', async () => {
    const response = await rawGet('/v1/markets', { 'x-padding': 'x'.repeat(20_000) });
    expect(response.status).toBe(431);
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'HEADERS_TOO_LARGE', message: 'The request headers are too large' } });
  });

  it('refuses a malformed URL and unknown routes without echoing them back', async () => {
    const bad = await call('GET', '/v1/markets/%E0%A4%A');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(bad.body)).not.toContain('%E0');
    const unknown = await call('GET', '/v1/<script>alert(1)</script>');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'ROUTE_NOT_FOUND', message: 'No such route' });
    expect(JSON.stringify(unknown.body)).not.toContain('script');
  });

  it('answers a body of another media type with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const response = await call('POST', '/v1/auth/login', { rawBody: 'email=a&password=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response.status).toBe(415);
    expect(response.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});
