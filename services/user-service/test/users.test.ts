import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createPostgresPool, runMigrations, type Pool } from '@exchange/platform';
import { createTestDatabase, type TestDatabase } from '@exchange/platform/testing';
import { logIn } from '../src/app/log-in.js';
import { registerUser } from '../src/app/register-user.js';
import { seedAdmin } from '../src/app/seed-admin.js';
import { TokenIssuer } from '../src/app/token-issuer.js';
import { UsersStore } from '../src/store/users-store.js';

const logger = createLogger('test', 'silent');

describe('user-service use-cases against PostgreSQL', () => {
  let database: TestDatabase;
  let pool: Pool;
  let users: UsersStore;
  let tokens: TokenIssuer;

  beforeAll(async () => {
    database = await createTestDatabase();
    await runMigrations({ url: database.url, schema: 'user_service', dir: join(__dirname, '..', 'migrations'), logger });
    pool = createPostgresPool({ url: database.url, schema: 'user_service', max: 5, applicationName: 'test' });
    users = new UsersStore(pool);
    tokens = (await TokenIssuer.create({ privateKeyPem: undefined, ttlSeconds: 900 })).issuer;
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('registers, then logs in with a token for that user', async () => {
    const user = await registerUser(users, { email: 'ada@example.com', password: 'correct-horse', name: 'Ada' });
    expect(user).toMatchObject({ email: 'ada@example.com', name: 'Ada', role: 'user' });
    const session = await logIn(users, tokens, { email: 'ada@example.com', password: 'correct-horse' });
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
    await expect(logIn(users, tokens, { email: 'bob@example.com', password: 'wrong-horse' })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
      message: 'The e-mail or password is wrong',
    });
    await expect(logIn(users, tokens, { email: 'nobody@example.com', password: 'wrong-horse' })).rejects.toMatchObject({
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
    const session = await logIn(users, tokens, { email: 'carol@example.com', password: 'carols-password' });
    expect(session.user.role).toBe('user');
  });
});
