import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, createLogger, createPostgresPool, createRedis, runMigrations, type Pool, type Redis } from '@exchange/platform';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@exchange/platform/testing';
import { API_KEY_MAX_PER_USER, apiKeySigningPayload, createApiKeyRequestSchema, EMPTY_BODY_SHA256 } from '@exchange/contracts';
import { generateEd25519KeyPair, signPayload } from '@exchange/client/signing';
import { ApiKeys } from '../src/app/api-keys.js';
import { registerUser } from '../src/app/register-user.js';
import { SecretBox } from '../src/app/secret-box.js';
import { ApiKeysStore } from '../src/store/api-keys-store.js';
import { UsersStore } from '../src/store/users-store.js';

const logger = createLogger('test', 'silent');

describe('API keys against PostgreSQL and Redis', () => {
  let database: TestDatabase;
  let pool: Pool;
  let testRedis: TestRedis;
  let redis: Redis;
  let users: UsersStore;
  let keys: ApiKeys;
  let now = Date.parse('2027-01-01T00:00:00Z');
  const box = new SecretBox(randomBytes(32));

  beforeAll(async () => {
    testRedis = createTestRedis();
    redis = createRedis({ url: testRedis.url, keyPrefix: testRedis.prefix, connectionName: 'api-keys-test' });
    database = await createTestDatabase();
    await runMigrations({ url: database.url, schema: 'user_service', dir: join(__dirname, '..', 'migrations'), logger });
    pool = createPostgresPool({ url: database.url, schema: 'user_service', max: 5, applicationName: 'test' });
    users = new UsersStore(pool);
    keys = new ApiKeys({ store: new ApiKeysStore(pool), box, redis, now: () => now });
  });
  afterAll(async () => {
    redis?.disconnect();
    await testRedis?.clean();
    await pool?.end();
    await database?.drop();
  });

  const newUser = async () => (await registerUser(users, { email: `bot-${randomBytes(4).toString('hex')}@example.com`, password: 'correct-horse' })).id;
  const create = (userId: string, request: Record<string, unknown>) => keys.create(userId, createApiKeyRequestSchema.parse(request));

  /** A request to verify, signed with `secret` (or a private key) at `timestamp`. */
  function signed(
    keyId: string,
    credentials: { secret: string } | { privateKeyPem: string },
    overrides: Partial<{ timestamp: string; method: string; path: string; query: string; bodySha256: string; ip: string; scope: 'read' | 'trade' }> = {},
  ) {
    const parts = {
      timestamp: String(now),
      method: 'POST',
      path: '/v1/orders',
      query: '',
      bodySha256: EMPTY_BODY_SHA256,
      ip: '203.0.113.9',
      scope: 'trade' as const,
      ...overrides,
    };
    const signature = signPayload({ keyId, ...credentials }, apiKeySigningPayload(parts));
    return { keyId, signature, ...parts };
  }

  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).code;
  };

  it('makes an HMAC key whose secret is shown once and kept only encrypted, and verifies its signatures', async () => {
    const userId = await newUser();
    const created = await create(userId, { label: 'my bot', scopes: ['read', 'trade'] });
    expect(created.apiKey).toMatchObject({
      label: 'my bot',
      kind: 'HMAC',
      scopes: ['read', 'trade'],
      allowedIps: [],
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(created.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { rows } = await pool.query('SELECT secret_ciphertext::text AS stored FROM api_keys WHERE id = $1', [created.apiKey.id]);
    expect(rows[0].stored).not.toContain(Buffer.from(created.secret!).toString('hex'));
    // the listing never carries a secret
    expect(JSON.stringify(await keys.list(userId))).not.toContain(created.secret);

    const verified = await keys.verify(signed(created.apiKey.id, { secret: created.secret! }));
    expect(verified).toMatchObject({ keyId: created.apiKey.id, scopes: ['read', 'trade'], user: { id: userId, role: 'user' } });
    // its use is recorded, with where from
    expect((await keys.list(userId))[0]).toMatchObject({ lastUsedIp: '203.0.113.9', lastUsedAt: expect.any(String) });
  });

  it('registers an Ed25519 public key and verifies signatures of its private half (never seen here)', async () => {
    const userId = await newUser();
    const pair = generateEd25519KeyPair();
    const created = await create(userId, { label: 'ed', scopes: ['read'], publicKey: pair.publicKeyPem });
    expect(created.secret).toBeUndefined();
    expect(created.apiKey.kind).toBe('ED25519');
    await expect(keys.verify(signed(created.apiKey.id, { privateKeyPem: pair.privateKeyPem }, { method: 'GET', scope: 'read' }))).resolves.toMatchObject({
      user: { id: userId },
    });
    const other = generateEd25519KeyPair();
    expect(await refusal(keys.verify(signed(created.apiKey.id, { privateKeyPem: other.privateKeyPem }, { method: 'GET', scope: 'read' })))).toBe(
      'SIGNATURE_INVALID',
    );
    // not an Ed25519 key at all
    const { publicKey } = await import('node:crypto').then((crypto) => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }));
    expect(await refusal(create(userId, { label: 'ec', scopes: ['read'], publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() }))).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('refuses each bad request with its own code', async () => {
    const userId = await newUser();
    const { apiKey, secret } = await create(userId, { label: 'refusals', scopes: ['read'], allowedIps: ['203.0.113.0/24', '2001:db8::/32'] });
    const good = { secret: secret! };
    expect(await refusal(keys.verify(signed(randomBytes(16).toString('hex'), good)))).toBe('API_KEY_INVALID');
    expect(await refusal(keys.verify({ ...signed(apiKey.id, good, { scope: 'read' }), keyId: '00000000-0000-4000-8000-000000000000' }))).toBe(
      'API_KEY_INVALID',
    );
    expect(await refusal(keys.verify(signed(apiKey.id, { secret: 'not-the-secret' }, { scope: 'read' })))).toBe('SIGNATURE_INVALID');
    // what was signed is not what came
    expect(await refusal(keys.verify({ ...signed(apiKey.id, good, { scope: 'read' }), path: '/v1/wallet' }))).toBe('SIGNATURE_INVALID');
    expect(await refusal(keys.verify({ ...signed(apiKey.id, good, { scope: 'read' }), bodySha256: 'a'.repeat(64) }))).toBe('SIGNATURE_INVALID');
    expect(await refusal(keys.verify({ ...signed(apiKey.id, good, { scope: 'read' }), signature: 'zz' }))).toBe('SIGNATURE_INVALID');
    expect(await refusal(keys.verify(signed(apiKey.id, good, { scope: 'read', timestamp: String(now - 5001) })))).toBe('TIMESTAMP_OUTSIDE_WINDOW');
    expect(await refusal(keys.verify(signed(apiKey.id, good, { scope: 'read', timestamp: String(now + 5001) })))).toBe('TIMESTAMP_OUTSIDE_WINDOW');
    expect(await refusal(keys.verify(signed(apiKey.id, good, { scope: 'read', timestamp: 'soon' })))).toBe('TIMESTAMP_OUTSIDE_WINDOW');
    expect(await refusal(keys.verify(signed(apiKey.id, good, { scope: 'read', ip: '198.51.100.1' })))).toBe('API_KEY_IP_NOT_ALLOWED');
    expect(await refusal(keys.verify(signed(apiKey.id, good, { scope: 'trade' })))).toBe('API_KEY_SCOPE_MISSING');
    // from the allowed ranges, IPv4 (also written as IPv6-mapped) and IPv6
    await keys.verify(signed(apiKey.id, good, { scope: 'read', ip: '203.0.113.77' }));
    await keys.verify(signed(apiKey.id, good, { scope: 'read', ip: '::ffff:203.0.113.78', query: 'a=1' }));
    await keys.verify(signed(apiKey.id, good, { scope: 'read', ip: '2001:db8::1', query: 'a=2' }));
    // the same signed request twice: the second is a replay
    const once = signed(apiKey.id, good, { scope: 'read', query: 'once=1' });
    await keys.verify(once);
    expect(await refusal(keys.verify(once))).toBe('REQUEST_REPLAYED');
  });

  it('refuses a revoked key and an expired one; revoking drops the secret; another user cannot revoke it', async () => {
    const userId = await newUser();
    const { apiKey, secret } = await create(userId, { label: 'short', scopes: ['read'], expiresAt: new Date(now + 60_000).toISOString() });
    await keys.verify(signed(apiKey.id, { secret: secret! }, { scope: 'read' }));
    now += 60_000;
    try {
      expect(await refusal(keys.verify(signed(apiKey.id, { secret: secret! }, { scope: 'read' })))).toBe('API_KEY_EXPIRED');
    } finally {
      now -= 60_000;
    }
    expect(await refusal(keys.revoke(await newUser(), apiKey.id))).toBe('API_KEY_NOT_FOUND');
    const revoked = await keys.revoke(userId, apiKey.id);
    expect(revoked.revokedAt).not.toBeNull();
    expect((await keys.revoke(userId, apiKey.id)).revokedAt).toBe(revoked.revokedAt);
    expect(await refusal(keys.verify(signed(apiKey.id, { secret: secret! }, { scope: 'read', query: 'after=1' })))).toBe('API_KEY_REVOKED');
    const { rows } = await pool.query('SELECT secret_ciphertext FROM api_keys WHERE id = $1', [apiKey.id]);
    expect(rows[0].secret_ciphertext).toBeNull();
    // an expiry in the past is refused at creation
    expect(await refusal(create(userId, { label: 'past', scopes: ['read'], expiresAt: new Date(now - 1).toISOString() }))).toBe('VALIDATION_FAILED');
  });

  it('keeps a secret sealed to its row: another key, or another row, does not open it', async () => {
    const userId = await newUser();
    const a = await create(userId, { label: 'a', scopes: ['read'] });
    const b = await create(userId, { label: 'b', scopes: ['read'] });
    // b's sealed secret copied into a's row does not decrypt there (its id is bound in)
    await pool.query('UPDATE api_keys SET secret_ciphertext = (SELECT secret_ciphertext FROM api_keys WHERE id = $2) WHERE id = $1', [
      a.apiKey.id,
      b.apiKey.id,
    ]);
    await expect(keys.verify(signed(a.apiKey.id, { secret: b.secret! }, { scope: 'read', query: 'swap=1' }))).rejects.toThrow();
    const otherBox = new ApiKeys({ store: new ApiKeysStore(pool), box: new SecretBox(randomBytes(32)), redis, now: () => now });
    await expect(otherBox.verify(signed(b.apiKey.id, { secret: b.secret! }, { scope: 'read', query: 'box=1' }))).rejects.toThrow();
    expect(createHmac('sha256', b.secret!).update('x').digest('hex')).toHaveLength(64);
  });

  it(`holds at most ${API_KEY_MAX_PER_USER} live keys per user, even when created at once`, async () => {
    const userId = await newUser();
    const results = await Promise.allSettled(Array.from({ length: API_KEY_MAX_PER_USER + 5 }, (_, i) => create(userId, { label: `k${i}`, scopes: ['read'] })));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(API_KEY_MAX_PER_USER);
    const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(refused.map((result) => (result.reason as AppError).code)).toEqual(Array(5).fill('API_KEY_LIMIT_REACHED'));
    // a revoked key frees a place
    const first = (await keys.list(userId))[0]!;
    await keys.revoke(userId, first.id);
    await expect(create(userId, { label: 'again', scopes: ['read'] })).resolves.toMatchObject({ apiKey: { label: 'again' } });
  });
});
