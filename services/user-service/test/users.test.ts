import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createPostgresPool, createRedis, runMigrations, type Pool, type Redis } from '@exchange/platform';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@exchange/platform/testing';
import { logIn } from '../src/app/log-in.js';
import { registerUser } from '../src/app/register-user.js';
import { seedAdmin } from '../src/app/seed-admin.js';
import { TokenIssuer } from '../src/app/token-issuer.js';
import { LoginAttempts } from '../src/store/login-attempts.js';
import { UsersStore } from '../src/store/users-store.js';

const logger = createLogger('test', 'silent');

describe('user-service use-cases against PostgreSQL', () => {
  let database: TestDatabase;
  let pool: Pool;
  let users: UsersStore;
  let tokens: TokenIssuer;
  let testRedis: TestRedis;
  let redis: Redis;
  let attempts: LoginAttempts;

  beforeAll(async () => {
    testRedis = createTestRedis();
    redis = createRedis({ url: testRedis.url, keyPrefix: testRedis.prefix, connectionName: 'users-test' });
    attempts = new LoginAttempts(redis, { freeAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 600_000 });
    database = await createTestDatabase();
    await runMigrations({ url: database.url, schema: 'user_service', dir: join(__dirname, '..', 'migrations'), logger });
    pool = createPostgresPool({ url: database.url, schema: 'user_service', max: 5, applicationName: 'test' });
    users = new UsersStore(pool);
    tokens = (await TokenIssuer.create({ privateKeyPem: undefined, ttlSeconds: 900 })).issuer;
  });
  afterAll(async () => {
    redis?.disconnect();
    await testRedis?.clean();
    await pool?.end();
    await database?.drop();
  });

  it('registers, then logs in with a token for that user', async () => {
    const user = await registerUser(users, { email: 'ada@example.com', password: 'correct-horse', name: 'Ada' });
    expect(user).toMatchObject({ email: 'ada@example.com', name: 'Ada', role: 'user' });
    const session = await logIn(users, tokens, attempts, { email: 'ada@example.com', password: 'correct-horse' });
    expect(session.user).toEqual(user);
    expect(await tokens.verify(session.accessToken)).toMatchObject({ sub: user.id });
  });

  it('lets one of two racing registrations win and refuses the other with EMAIL_TAKEN', async () => {
    const results = await Promise.allSettled([
      registerUser(users, { email: 'race@example.com', password: 'correct-horse' }),
      registerUser(users, { email: 'race@example.com', password: 'correct-horse' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'EMAIL_TAKEN' } });
  });

  it('refuses at the database too: e-mails are unique and stored lower-case, roles are closed', async () => {
    await expect(pool.query("INSERT INTO users (email, password_hash) VALUES ('Upper@Example.com', 'x')")).rejects.toThrow(/users_email_lowercase/);
    await expect(pool.query("INSERT INTO users (email, password_hash, role) VALUES ('x@example.com', 'x', 'root')")).rejects.toThrow(/users_role_check/);
  });

  it('answers a wrong password and an unknown e-mail alike', async () => {
    await registerUser(users, { email: 'bob@example.com', password: 'correct-horse' });
    await expect(logIn(users, tokens, attempts, { email: 'bob@example.com', password: 'wrong-horse' })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
      message: 'The e-mail or password is wrong',
    });
    await expect(logIn(users, tokens, attempts, { email: 'nobody@example.com', password: 'wrong-horse' })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
      message: 'The e-mail or password is wrong',
    });
  });

  it('seeds the admin once, and never promotes an ordinary account that registered the admin e-mail first', async () => {
    await seedAdmin(users, logger, { email: 'Admin@Exchange.local', password: 'exchange-admin' });
    await seedAdmin(users, logger, { email: 'admin@exchange.local', password: 'exchange-admin' });
    expect((await pool.query("SELECT role FROM users WHERE email = 'admin@exchange.local'")).rows).toEqual([{ role: 'admin' }]);

    await registerUser(users, { email: 'carol@example.com', password: 'carols-password' });
    await seedAdmin(users, logger, { email: 'carol@example.com', password: 'something-else' });
    const session = await logIn(users, tokens, attempts, { email: 'carol@example.com', password: 'carols-password' });
    expect(session.user.role).toBe('user');
  });

  it('refuses common and trivial passwords with the field named', async () => {
    for (const [password, message] of [
      ['password123', 'is one of the most common passwords; choose one that is harder to guess'],
      ['dora@example.com', 'must not be your e-mail address'],
      ['          ', 'must not be only spaces'],
    ] as const) {
      await expect(registerUser(users, { email: 'dora@example.com', password })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { fields: { password: [message] } },
      });
    }
    expect(await users.findByEmail('dora@example.com')).toBeUndefined();
  });

  it('throttles one account after failures in a row, whatever the password, and a success resets it', async () => {
    await registerUser(users, { email: 'eve@example.com', password: 'eves-long-secret' });
    const guess = (password: string) => logIn(users, tokens, attempts, { email: 'eve@example.com', password });
    for (let i = 0; i < 3; i++) await expect(guess(`wrong-guess-${i}`)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    // the fourth attempt, even with the right password, must wait: a guesser cannot tell
    const locked = await guess('eves-long-secret').catch((error: unknown) => error);
    expect(locked).toMatchObject({ code: 'RATE_LIMITED', statusCode: 429 });
    expect((locked as { details: { retryAfterSeconds: number } }).details.retryAfterSeconds).toBeGreaterThan(50);
    // another account is not affected
    await registerUser(users, { email: 'fay@example.com', password: 'fays-long-secret' });
    await expect(logIn(users, tokens, attempts, { email: 'fay@example.com', password: 'fays-long-secret' })).resolves.toMatchObject({ tokenType: 'Bearer' });

    // once the wait is over (the clock moved on), the right password works and clears the failures
    const later = Date.now() + 61_000;
    expect(await attempts.take('eve@example.com', later)).toBe(0);
    await attempts.succeeded('eve@example.com');
    await expect(guess('eves-long-secret')).resolves.toMatchObject({ tokenType: 'Bearer' });
  });

  it('counts parallel guesses before checking them, so a burst cannot slip past the limit', async () => {
    await registerUser(users, { email: 'gus@example.com', password: 'gus-long-secret' });
    const answers = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => logIn(users, tokens, attempts, { email: 'gus@example.com', password: `burst-${i}` })),
    );
    const codes = answers.map((answer) => (answer.status === 'rejected' ? (answer.reason as { code: string }).code : 'OK'));
    expect(codes.filter((code) => code === 'INVALID_CREDENTIALS')).toHaveLength(3);
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(9);
  });
});
