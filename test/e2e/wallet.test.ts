import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { call, login, queryDatabase, register, uniqueEmail } from './support.js';

async function newUser(tag = 'wallet') {
  const { email, password, user } = await register(uniqueEmail(tag));
  return { email, user, token: await login(email, password) };
}

const addFunds = (token: string, body: unknown, key?: string) =>
  call('POST', '/v1/wallet/add-funds', { token, body, ...(key ? { headers: { 'idempotency-key': key } } : {}) });

async function usd(token: string) {
  const wallet = await call('GET', '/v1/wallet', { token });
  expect(wallet.status).toBe(200);
  return wallet.body.balances.find((balance: { asset: string }) => balance.asset === 'USD');
}

const postingsOf = async (userId: string) =>
  Number(
    (
      await queryDatabase<{ count: string }>(
        'SELECT count(*) FROM wallet_service.postings p JOIN wallet_service.wallets w ON w.id = p.wallet_id WHERE w.user_id = $1',
        [userId],
      )
    )[0]!.count,
  );

describe('add funds through the gateway', () => {
  it('creates the wallet on first use and answers with the new balance and the transaction', async () => {
    const { token } = await newUser();
    expect(await usd(token)).toEqual({ asset: 'USD', available: '0.00', held: '0.00', total: '0.00' });
    const response = await addFunds(token, { amount: '150.25' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-trace-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(response.body).toEqual({
      balance: { asset: 'USD', available: '150.25', held: '0.00', total: '150.25' },
      transaction: { id: expect.any(String), type: 'DEPOSIT', asset: 'USD', amount: '150.25', createdAt: expect.any(String) },
    });
    const again = await addFunds(token, { amount: '0.75', asset: 'USD' });
    expect(again.body.balance.total).toBe('151.00');
    expect(await usd(token)).toEqual({ asset: 'USD', available: '151.00', held: '0.00', total: '151.00' });
  });

  it('lists the ledger newest first, a page at a time', async () => {
    const { token } = await newUser();
    for (const amount of ['1.00', '2.00', '3.00']) expect((await addFunds(token, { amount })).status).toBe(200);
    const first = await call('GET', '/v1/wallet/transactions?limit=2', { token });
    expect(first.status).toBe(200);
    expect(first.body.items.map((item: { amount: string }) => item.amount)).toEqual(['3.00', '2.00']);
    expect(first.body.items[0]).toMatchObject({
      type: 'DEPOSIT',
      asset: 'USD',
      amount: '3.00',
      balanceAfter: '6.00',
      availableChange: '3.00',
      heldChange: '0.00',
      reference: null,
    });
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call('GET', `/v1/wallet/transactions?limit=2&cursor=${first.body.nextCursor}`, { token });
    expect(second.body.items.map((item: { amount: string; balanceAfter: string }) => [item.amount, item.balanceAfter])).toEqual([['1.00', '1.00']]);
    expect(second.body.nextCursor).toBeNull();
    const bad = await call('GET', '/v1/wallet/transactions?cursor=not-a-cursor', { token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('never shows one user another user’s balances or transactions', async () => {
    const alice = await newUser('alice');
    const bob = await newUser('bob');
    await addFunds(alice.token, { amount: '500.00' });
    expect(await usd(bob.token)).toEqual({ asset: 'USD', available: '0.00', held: '0.00', total: '0.00' });
    expect((await call('GET', '/v1/wallet/transactions', { token: bob.token })).body.items).toEqual([]);
  });

  const refusals: Array<[string, unknown, string]> = [
    ['a zero amount', { amount: '0' }, 'amount'],
    ['a zero amount with decimals', { amount: '0.00' }, 'amount'],
    ['a negative amount', { amount: '-5.00' }, 'amount'],
    ['more than 2 decimals', { amount: '10.001' }, 'amount'],
    ['not a number', { amount: 'ten' }, 'amount'],
    ['a JSON number instead of a decimal string', { amount: 10 }, 'amount'],
    ['an exponent', { amount: '1e3' }, 'amount'],
    ['more than the per-deposit maximum', { amount: '1000000.01' }, 'amount'],
    ['an unknown asset', { amount: '10.00', asset: 'EUR' }, 'asset'],
    ['shares (only an admin credits shares)', { amount: '10', asset: 'AAPL' }, 'asset'],
    ['an unknown field', { amount: '10.00', note: 'hi' }, 'note'],
    ['no amount', {}, 'amount'],
  ];
  for (const [what, body, field] of refusals) {
    it(`refuses ${what} with 400 VALIDATION_FAILED and writes nothing`, async () => {
      const { token, user } = await newUser('refuse');
      const response = await addFunds(token, body);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(response.body.error.details.fields)).toContain(field);
      expect(await postingsOf(user.id)).toBe(0);
    });
  }

  it('accepts exactly the per-deposit maximum', async () => {
    const { token } = await newUser('max');
    expect((await addFunds(token, { amount: '1000000.00' })).body.balance.total).toBe('1000000.00');
  });

  it('refuses callers without a valid token', async () => {
    expect((await addFunds('not-a-token', { amount: '1.00' })).status).toBe(401);
    expect((await call('GET', '/v1/wallet')).status).toBe(401);
  });
});

describe('Idempotency-Key on add-funds', () => {
  it('50 concurrent deposits of 1.00 with distinct keys raise the balance by exactly 50.00', async () => {
    const { token } = await newUser('fifty');
    const responses = await Promise.all(Array.from({ length: 50 }, () => addFunds(token, { amount: '1.00' }, randomUUID())));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(await usd(token)).toEqual({ asset: 'USD', available: '50.00', held: '0.00', total: '50.00' });
  });

  it('10 concurrent requests with one key make one deposit and get identical answers', async () => {
    const { token, user } = await newUser('same-key');
    const key = randomUUID();
    const responses = await Promise.all(Array.from({ length: 10 }, () => addFunds(token, { amount: '25.00' }, key)));
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    for (const response of responses) expect(response.body).toEqual(responses[0]!.body);
    expect(await usd(token)).toMatchObject({ total: '25.00' });
    expect(await postingsOf(user.id)).toBe(1);
  });

  it('a retry later returns the first answer; the same key with another body is 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const { token } = await newUser('retry');
    const key = `order-${randomUUID()}`;
    const first = await addFunds(token, { amount: '10.00' }, key);
    const retry = await addFunds(token, { amount: '10.00', asset: 'USD' }, key);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    const different = await addFunds(token, { amount: '11.00' }, key);
    expect(different.status).toBe(422);
    expect(different.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await usd(token)).toMatchObject({ total: '10.00' });
  });

  it('scopes keys per user', async () => {
    const alice = await newUser('scope-a');
    const bob = await newUser('scope-b');
    const key = randomUUID();
    expect((await addFunds(alice.token, { amount: '5.00' }, key)).status).toBe(200);
    expect((await addFunds(bob.token, { amount: '7.00' }, key)).status).toBe(200);
    expect(await usd(alice.token)).toMatchObject({ total: '5.00' });
    expect(await usd(bob.token)).toMatchObject({ total: '7.00' });
  });

  it('answers 409 REQUEST_IN_PROGRESS to a retry while the first request is still running', async () => {
    const { token, user } = await newUser('in-progress');
    await addFunds(token, { amount: '1.00' });
    // Hold the user's wallet row so the next deposit stops mid-transaction, its key already claimed.
    const blocker = new pg.Client({ connectionString: inject('databaseUrl') });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query("SELECT 1 FROM wallet_service.wallets WHERE user_id = $1 AND asset = 'USD' FOR UPDATE", [user.id]);
    const key = randomUUID();
    const first = addFunds(token, { amount: '2.00' }, key);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const retry = await addFunds(token, { amount: '2.00' }, key);
      expect(retry.status).toBe(409);
      expect(retry.body.error.code).toBe('REQUEST_IN_PROGRESS');
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    const done = await first;
    expect(done.status).toBe(200);
    expect((await addFunds(token, { amount: '2.00' }, key)).body).toEqual(done.body);
    expect(await usd(token)).toMatchObject({ total: '3.00' });
  });

  it('refuses a malformed Idempotency-Key', async () => {
    const { token } = await newUser('bad-key');
    const response = await addFunds(token, { amount: '1.00' }, 'x'.repeat(256));
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('admin credit', () => {
  const adminToken = () => login('admin@exchange.local', 'exchange-admin');

  it('credits shares by e-mail and cash by user id, journaled like deposits', async () => {
    const { email, user, token } = await newUser('credited');
    const admin = await adminToken();
    const shares = await call('POST', '/v1/admin/credit', { token: admin, body: { email, asset: 'AAPL', amount: '25' } });
    expect(shares.status).toBe(200);
    expect(shares.body).toMatchObject({
      balance: { asset: 'AAPL', available: '25', held: '0', total: '25' },
      transaction: { type: 'CREDIT', asset: 'AAPL', amount: '25' },
    });
    const cash = await call('POST', '/v1/admin/credit', { token: admin, body: { userId: user.id, asset: 'USD', amount: '1000.00' } });
    expect(cash.status).toBe(200);
    const wallet = await call('GET', '/v1/wallet', { token });
    expect(wallet.body.balances).toEqual([
      { asset: 'USD', available: '1000.00', held: '0.00', total: '1000.00' },
      { asset: 'AAPL', available: '25', held: '0', total: '25' },
    ]);
    const lines = (await call('GET', '/v1/wallet/transactions', { token })).body.items;
    expect(lines.map((line: { type: string; asset: string }) => `${line.type} ${line.asset}`)).toEqual(['CREDIT USD', 'CREDIT AAPL']);
  });

  it('is idempotent with a key, like add-funds', async () => {
    const { email, token } = await newUser('credited-once');
    const admin = await adminToken();
    const key = randomUUID();
    const body = { email, asset: 'MSFT', amount: '3' };
    const [a, b] = await Promise.all([0, 1].map(() => call('POST', '/v1/admin/credit', { token: admin, body, headers: { 'idempotency-key': key } })));
    expect(a!.body).toEqual(b!.body);
    expect((await call('GET', '/v1/wallet', { token })).body.balances.find((x: { asset: string }) => x.asset === 'MSFT').total).toBe('3');
  });

  it('refuses fractions of a share, unknown assets, unknown users and a body naming no one', async () => {
    const { email } = await newUser('credit-refusals');
    const admin = await adminToken();
    const credit = (body: unknown) => call('POST', '/v1/admin/credit', { token: admin, body });
    const fraction = await credit({ email, asset: 'AAPL', amount: '1.5' });
    expect([fraction.status, fraction.body.error.code, fraction.body.error.details.fields.amount]).toEqual([
      400,
      'VALIDATION_FAILED',
      ['must be a whole number'],
    ]);
    const unknownAsset = await credit({ email, asset: 'DOGE', amount: '1' });
    expect([unknownAsset.status, unknownAsset.body.error.details.fields.asset]).toEqual([400, ['"DOGE" is not an asset of this exchange']]);
    const unknownUser = await credit({ email: uniqueEmail('ghost'), asset: 'USD', amount: '1.00' });
    expect([unknownUser.status, unknownUser.body.error.code]).toEqual([404, 'USER_NOT_FOUND']);
    const nobody = await credit({ asset: 'USD', amount: '1.00' });
    expect([nobody.status, nobody.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const both = await credit({ email, userId: randomUUID(), asset: 'USD', amount: '1.00' });
    expect(both.status).toBe(400);
  });

  it('does not exist for a non-admin (404, whatever the body), and changes nothing', async () => {
    const { token, user } = await newUser('not-admin');
    const response = await call('POST', '/v1/admin/credit', { token, body: { userId: user.id, asset: 'USD', amount: '1000000.00' } });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('ROUTE_NOT_FOUND');
    const probing = await call('POST', '/v1/admin/credit', { token, body: {} });
    expect([probing.status, probing.body.error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
    expect(await postingsOf(user.id)).toBe(0);
  });

  it('records the admin as the one who made a credit', async () => {
    const { email, user } = await newUser('initiator');
    const admin = await adminToken();
    const adminId = (await call('GET', '/v1/me', { token: admin })).body.user.id;
    const credit = await call('POST', '/v1/admin/credit', { token: admin, body: { email, asset: 'USD', amount: '5.00' } });
    const rows = await queryDatabase<{ initiated_by: string }>('SELECT initiated_by FROM wallet_service.transactions WHERE id = $1', [
      credit.body.transaction.id,
    ]);
    expect(rows).toEqual([{ initiated_by: adminId }]);
    expect(adminId).not.toBe(user.id);
  });
});
