import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { SignJWT, decodeJwt } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { call, login, queryDatabase, register, uniqueEmail } from './support.js';

const usersWithEmail = async (email: string) =>
  (await queryDatabase<{ count: string }>('SELECT count(*) FROM user_service.users WHERE email = $1', [email.toLowerCase()]))[0]!.count;

function expectError(response: { status: number; body: any; headers: Headers }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.body.error.code).toBe(code);
  expect(response.body.error.message).toEqual(expect.any(String));
  expect(response.body.error.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(response.headers.get('x-trace-id')).toBe(response.body.error.traceId);
}

describe('registration through the gateway', () => {
  it('creates the account and answers 201 with the user (no password hash)', async () => {
    const email = uniqueEmail('reg');
    const response = await call('POST', '/v1/auth/register', { body: { email, password: 'correct-horse', name: 'Ada' } });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-trace-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(response.body).toEqual({
      user: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), email, name: 'Ada', role: 'user', createdAt: expect.any(String) },
    });
    expect(JSON.stringify(response.body)).not.toMatch(/argon|hash|password/i);
    const rows = await queryDatabase<{ password_hash: string }>('SELECT password_hash FROM user_service.users WHERE email = $1', [email]);
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('normalizes the e-mail, so a differently cased duplicate is 409 EMAIL_TAKEN and writes nothing', async () => {
    const email = uniqueEmail('dup');
    await register(email);
    const again = await call('POST', '/v1/auth/register', { body: { email: `  ${email.toUpperCase()} `, password: 'another-password' } });
    expectError(again, 409, 'EMAIL_TAKEN');
    expect(await usersWithEmail(email)).toBe('1');
  });

  it('lets exactly one of several concurrent registrations of one e-mail win', async () => {
    const email = uniqueEmail('race');
    const responses = await Promise.all(Array.from({ length: 5 }, () => call('POST', '/v1/auth/register', { body: { email, password: 'correct-horse' } })));
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(await usersWithEmail(email)).toBe('1');
  });

  const invalidBodies: Array<[string, unknown, string[]]> = [
    ['a bad e-mail', { email: 'not-an-email', password: 'correct-horse' }, ['email']],
    ['a short password', { email: uniqueEmail('short'), password: 'short' }, ['password']],
    ['a missing password', { email: uniqueEmail('missing') }, ['password']],
    ['missing everything', {}, ['email', 'password']],
    ['an unknown field', { email: uniqueEmail('extra'), password: 'correct-horse', isAdmin: true }, ['isAdmin']],
    ['a role smuggled in', { email: uniqueEmail('role'), password: 'correct-horse', role: 'admin' }, ['role']],
    ['an oversized name', { email: uniqueEmail('long'), password: 'correct-horse', name: 'x'.repeat(101) }, ['name']],
    ['an oversized password', { email: uniqueEmail('longpw'), password: 'x'.repeat(257) }, ['password']],
    ['an oversized e-mail', { email: `${'x'.repeat(250)}@example.com`, password: 'correct-horse' }, ['email']],
    ['wrong types', { email: 42, password: ['correct-horse'] }, ['email', 'password']],
  ];

  for (const [what, body, fields] of invalidBodies) {
    it(`refuses ${what} with 400 VALIDATION_FAILED naming the fields, and writes nothing`, async () => {
      const response = await call('POST', '/v1/auth/register', { body });
      expectError(response, 400, 'VALIDATION_FAILED');
      expect(Object.keys(response.body.error.details.fields).sort()).toEqual([...fields].sort());
      const email = (body as { email?: unknown }).email;
      if (typeof email === 'string') expect(await usersWithEmail(email)).toBe('0');
    });
  }

  it('refuses malformed JSON, an empty body and a non-object body with 400 VALIDATION_FAILED', async () => {
    expectError(await call('POST', '/v1/auth/register', { rawBody: '{"email": "a@b.c", ' }), 400, 'VALIDATION_FAILED');
    expectError(await call('POST', '/v1/auth/register', { rawBody: '' }), 400, 'VALIDATION_FAILED');
    expectError(await call('POST', '/v1/auth/register', { rawBody: '["a@b.c"]' }), 400, 'VALIDATION_FAILED');
  });

  it('refuses a body over the size limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const email = uniqueEmail('huge');
    const response = await call('POST', '/v1/auth/register', { body: { email, password: 'x'.repeat(70_000) } });
    expectError(response, 413, 'PAYLOAD_TOO_LARGE');
    expect(await usersWithEmail(email)).toBe('0');
  });
});

describe('login through the gateway', () => {
  it('answers 200 with a Bearer token whose claims name the user', async () => {
    const { email, password, user } = await register(uniqueEmail('login'));
    const response = await call('POST', '/v1/auth/login', { body: { email: email.toUpperCase(), password } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 3600, user });
    const claims = decodeJwt(response.body.accessToken);
    expect(claims).toMatchObject({ sub: user.id, email, role: 'user', iss: 'exchange/user-service', aud: 'exchange' });
    expect(claims.exp! - claims.iat!).toBe(3600);
  });

  it('gives a wrong password and an unknown e-mail the same 401 INVALID_CREDENTIALS', async () => {
    const { email } = await register(uniqueEmail('wrongpw'));
    const wrong = await call('POST', '/v1/auth/login', { body: { email, password: 'not-the-password' } });
    const unknown = await call('POST', '/v1/auth/login', { body: { email: uniqueEmail('nobody'), password: 'not-the-password' } });
    expectError(wrong, 401, 'INVALID_CREDENTIALS');
    expectError(unknown, 401, 'INVALID_CREDENTIALS');
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it('refuses a malformed login with 400 VALIDATION_FAILED', async () => {
    const response = await call('POST', '/v1/auth/login', { body: { email: 'nope', password: '' } });
    expectError(response, 400, 'VALIDATION_FAILED');
    expect(Object.keys(response.body.error.details.fields).sort()).toEqual(['email', 'password']);
  });

  it('refuses login with malformed JSON, an unknown field or an oversized password', async () => {
    expectError(await call('POST', '/v1/auth/login', { rawBody: '{"email":' }), 400, 'VALIDATION_FAILED');
    const extra = await call('POST', '/v1/auth/login', { body: { email: 'a@example.com', password: 'correct-horse', remember: true } });
    expectError(extra, 400, 'VALIDATION_FAILED');
    expect(Object.keys(extra.body.error.details.fields)).toEqual(['remember']);
    const oversized = await call('POST', '/v1/auth/login', { body: { email: 'a@example.com', password: 'x'.repeat(257) } });
    expectError(oversized, 400, 'VALIDATION_FAILED');
    expect(Object.keys(oversized.body.error.details.fields)).toEqual(['password']);
  });

  it('seeds the demo admin account with the admin role', async () => {
    const response = await call('POST', '/v1/auth/login', { body: { email: 'admin@exchange.local', password: 'exchange-admin' } });
    expect(response.status).toBe(200);
    expect(response.body.user.role).toBe('admin');
  });
});

describe('GET /v1/me', () => {
  it('returns the signed-in user', async () => {
    const { email, password, user } = await register(uniqueEmail('me'), 'correct-horse', 'Grace');
    const token = await login(email, password);
    const response = await call('GET', '/v1/me', { token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ user });
  });

  it('refuses a missing, malformed, tampered, foreign-signed or expired token with 401 UNAUTHENTICATED', async () => {
    const { email, password, user } = await register(uniqueEmail('tokens'));
    const token = await login(email, password);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    const ourKey = createPrivateKey(inject('jwtPrivateKey'));
    const foreignKey = generateKeyPairSync('ed25519').privateKey;
    const sign = (key: typeof ourKey, expiresAt: number, kid: string) =>
      new SignJWT({ email, role: 'user' })
        .setProtectedHeader({ alg: 'EdDSA', kid })
        .setSubject(user.id)
        .setIssuer('exchange/user-service')
        .setAudience('exchange')
        .setIssuedAt(expiresAt - 60)
        .setExpirationTime(expiresAt)
        .sign(key);
    const kid = JSON.parse(Buffer.from(header!, 'base64url').toString()).kid as string;
    const now = Math.floor(Date.now() / 1000);

    const attempts: Array<[string, Record<string, string>]> = [
      ['missing', {}],
      ['not bearer', { authorization: `Basic ${token}` }],
      ['garbage', { authorization: 'Bearer not.a.jwt' }],
      ['tampered payload', { authorization: `Bearer ${header}.${forgedPayload}.${signature}` }],
      ['signed by another key', { authorization: `Bearer ${await sign(foreignKey, now + 600, kid)}` }],
      ['expired', { authorization: `Bearer ${await sign(ourKey, now - 10, kid)}` }],
    ];
    for (const [what, headers] of attempts) {
      const response = await call('GET', '/v1/me', { headers });
      expect(response.status, what).toBe(401);
      expect(response.body.error.code, what).toBe('UNAUTHENTICATED');
    }
    // the same key, still valid: accepted, so the refusals above are about the token, not the key
    const fresh = await call('GET', '/v1/me', { headers: { authorization: `Bearer ${await sign(ourKey, now + 600, kid)}` } });
    expect(fresh.status).toBe(200);
  });

  it('answers unknown routes with 404 ROUTE_NOT_FOUND in the error format', async () => {
    const response = await call('GET', '/v1/nothing-here');
    expectError(response, 404, 'ROUTE_NOT_FOUND');
  });
});
