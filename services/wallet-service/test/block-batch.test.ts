import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '@exchange/platform';
import type { BlockFundsRequest } from '@exchange/contracts';
import { blockFunds, blockFundsMany } from '../src/app/block-funds.js';
import { getBalances } from '../src/app/read-wallet.js';
import { deposit } from '../src/app/deposit.js';
import type { WalletDeps } from '../src/app/wallet-deps.js';
import { createLedgerTestContext, type LedgerTestContext } from './support.js';

/**
 * Holds in batches (real PostgreSQL): one transaction for many holds must answer each exactly as
 * the same holds one at a time would, in the same order.
 */
describe('blocking funds in batches (real PostgreSQL)', () => {
  let context: LedgerTestContext;
  let db: Pool;
  let deps: WalletDeps;

  beforeAll(async () => {
    context = await createLedgerTestContext({ poolSize: 6, preparedAssets: ['USD', 'AAPL'] });
    ({ db, deps } = context);
  });
  afterAll(async () => context?.close());

  async function fundedUser(cash = '100.00', shares = '10') {
    const userId = randomUUID();
    await deposit(deps, { userId, type: 'DEPOSIT', asset: 'USD', amount: cash }, userId);
    await deposit(deps, { userId, type: 'CREDIT', asset: 'AAPL', amount: shares }, userId);
    return userId;
  }
  const outboxCount = async () => Number((await db.query("SELECT count(*) FROM outbox WHERE type = 'funds_blocked'")).rows[0].count);
  const hold = (userId: string, amount: string, asset = 'USD', reference = randomUUID()): BlockFundsRequest => ({ userId, asset, amount, reference });

  it('answers each hold on its own, drawing on a balance in the order the holds come', async () => {
    const [alice, bob] = [await fundedUser('100.00'), await fundedUser('1.00', '10')];
    const before = await outboxCount();
    const requests = [hold(alice, '60.00'), hold(alice, '50.00'), hold(alice, '40.00'), hold(bob, '4', 'AAPL'), hold(bob, '1', 'MSFT'), hold(bob, '7', 'AAPL')];
    const results = await blockFundsMany(deps, requests);
    expect(results.map((result) => (result.ok ? 'held' : result.error.code))).toEqual([
      'held',
      'INSUFFICIENT_FUNDS',
      'held',
      'held',
      'VALIDATION_FAILED',
      'INSUFFICIENT_FUNDS',
    ]);
    expect(results[1]).toMatchObject({ status: 422, error: { details: { asset: 'USD', available: '40.00', requested: '50.00' } } });
    expect(results[2]).toMatchObject({ ok: true, value: { balance: { asset: 'USD', available: '0.00', held: '100.00' } } });
    expect((await getBalances(deps.ledger, alice)).balances.find((b) => b.asset === 'USD')).toEqual({
      asset: 'USD',
      available: '0.00',
      held: '100.00',
      total: '100.00',
    });
    expect((await getBalances(deps.ledger, bob)).balances.find((b) => b.asset === 'AAPL')).toEqual({ asset: 'AAPL', available: '6', held: '4', total: '10' });
    expect(await outboxCount()).toBe(before + 3);
  });

  it('answers a retried batch as the first time, holding nothing more; a reference reused for another hold is refused', async () => {
    const alice = await fundedUser('100.00');
    const requests = [hold(alice, '10.00'), hold(alice, '20.00')];
    const first = await blockFundsMany(deps, requests);
    const before = await outboxCount();
    expect(await blockFundsMany(deps, requests)).toEqual(first);
    expect(await outboxCount()).toBe(before);
    const reused = await blockFundsMany(deps, [{ ...requests[0]!, amount: '11.00' }]);
    expect(reused[0]).toMatchObject({ ok: false, status: 422, error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    // the same reference twice in one batch: the same hold answers twice; another amount is refused
    const reference = randomUUID();
    const twice = await blockFundsMany(deps, [
      hold(alice, '5.00', 'USD', reference),
      hold(alice, '5.00', 'USD', reference),
      hold(alice, '6.00', 'USD', reference),
    ]);
    expect(twice.map((result) => (result.ok ? result.value.hold.amount : result.error.code))).toEqual(['5.00', '5.00', 'IDEMPOTENCY_KEY_REUSED']);
    expect((await getBalances(deps.ledger, alice)).balances.find((b) => b.asset === 'USD')?.held).toBe('35.00');
  });

  it('throws the single hold’s refusal as the error a single request answers', async () => {
    const alice = await fundedUser('1.00');
    await expect(blockFunds(deps, hold(alice, '2.00'))).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS', statusCode: 422 });
  });

  it('gives the same answers and balances as the same holds one at a time (fast-check, against a sequential reference)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ user: fc.integer({ min: 0, max: 2 }), cents: fc.integer({ min: 1, max: 6_000 }), repeat: fc.boolean() }), {
          minLength: 1,
          maxLength: 12,
        }),
        async (draws) => {
          const users = {
            batch: [await fundedUser(), await fundedUser(), await fundedUser()],
            single: [await fundedUser(), await fundedUser(), await fundedUser()],
          };
          const build = (who: string[]) => {
            const list: BlockFundsRequest[] = [];
            for (const draw of draws) {
              const previous = list.at(-1);
              const amount = `${Math.floor(draw.cents / 100)}.${String(draw.cents % 100).padStart(2, '0')}`;
              list.push(draw.repeat && previous ? { ...previous } : hold(who[draw.user]!, amount));
            }
            return list;
          };
          const batched = await blockFundsMany(deps, build(users.batch));
          const single = [];
          for (const request of build(users.single)) single.push((await blockFundsMany(deps, [request]))[0]!);
          const shape = (results: typeof batched) =>
            results.map((result) => (result.ok ? ['held', result.value.hold.amount, result.value.balance.available] : [result.error.code]));
          expect(shape(batched)).toEqual(shape(single));
          for (const index of [0, 1, 2]) {
            const usd = async (userId: string) => (await getBalances(deps.ledger, userId)).balances.find((b) => b.asset === 'USD');
            expect({ ...(await usd(users.batch[index]!)) }).toEqual({ ...(await usd(users.single[index]!)) });
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
