import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction, type Pool } from '@exchange/platform';
import { blockFunds } from '../src/app/block-funds.js';
import { deposit } from '../src/app/deposit.js';
import { releaseFunds } from '../src/app/release-funds.js';
import { settleTrade } from '../src/app/settle-trade.js';
import type { WalletDeps } from '../src/app/wallet-deps.js';
import { createLedgerTestContext, type LedgerTestContext } from './support.js';

describe('what the ledger refuses (real PostgreSQL)', () => {
  let context: LedgerTestContext;
  let db: Pool;
  let deps: WalletDeps;

  beforeAll(async () => {
    context = await createLedgerTestContext({ poolSize: 5, preparedAssets: ['USD', 'AAPL'], idempotencyWaitMs: 500 });
    ({ db, deps } = context);
  });
  afterAll(async () => context?.close());

  async function fundedUser(cash = '1000.00', shares = '100') {
    const userId = randomUUID();
    await deposit(deps, { userId, type: 'DEPOSIT', asset: 'USD', amount: cash }, userId);
    await deposit(deps, { userId, type: 'CREDIT', asset: 'AAPL', amount: shares }, userId);
    return userId;
  }

  const walletId = async (userId: string, asset: string) =>
    (await db.query<{ id: string }>('SELECT id FROM wallets WHERE user_id = $1 AND asset = $2', [userId, asset])).rows[0]!.id;
  const systemId = async (account: string, asset: string) =>
    (await db.query<{ id: string }>('SELECT id FROM wallets WHERE system_account = $1 AND asset = $2', [account, asset])).rows[0]!.id;

  /** Hand-written SQL, as a buggy or malicious code path would write it. */
  const forge = (statements: (client: { query: Pool['query'] }, entry: string) => Promise<unknown>) =>
    withTransaction(db, async (client) => {
      const entry = randomUUID();
      await client.query("INSERT INTO transactions (id, type) VALUES ($1, 'DEPOSIT')", [entry]);
      await statements(client, entry);
    });

  it('refuses an entry whose lines do not balance per asset', async () => {
    const userId = await fundedUser();
    const usd = await walletId(userId, 'USD');
    await expect(
      forge(async (client, entry) => {
        await client.query('UPDATE wallets SET available = available + 500 WHERE id = $1', [usd]);
        await client.query(
          "INSERT INTO postings (transaction_id, wallet_id, asset, available_change, held_change, available_after, held_after) SELECT $1, id, 'USD', 500, 0, available, held FROM wallets WHERE id = $2",
          [entry, usd],
        );
      }),
    ).rejects.toThrow(/does not balance in USD: off by 500/);
  });

  it('refuses a line that claims another asset than its account’s (cash paid, shares received)', async () => {
    const userId = await fundedUser();
    const shares = await walletId(userId, 'AAPL');
    const external = await systemId('EXTERNAL', 'USD');
    await expect(
      forge(async (client, entry) => {
        await client.query("INSERT INTO postings (transaction_id, wallet_id, asset, available_change, held_change) VALUES ($1, $2, 'USD', -1000, 0)", [
          entry,
          external,
        ]);
        await client.query('UPDATE wallets SET available = available + 1000 WHERE id = $1', [shares]);
        await client.query(
          "INSERT INTO postings (transaction_id, wallet_id, asset, available_change, held_change, available_after, held_after) SELECT $1, id, 'USD', 1000, 0, available, held FROM wallets WHERE id = $2",
          [entry, shares],
        );
      }),
    ).rejects.toThrow(/postings_wallet_asset/);
  });

  it('refuses a line on a user account whose balance was not updated with it', async () => {
    const userId = await fundedUser();
    const usd = await walletId(userId, 'USD');
    const external = await systemId('EXTERNAL', 'USD');
    await expect(
      forge(async (client, entry) => {
        await client.query(
          "INSERT INTO postings (transaction_id, wallet_id, asset, available_change, held_change) VALUES ($1, $2, 'USD', -700, 0), ($1, $3, 'USD', 700, 0)",
          [entry, external, usd],
        );
      }),
    ).rejects.toThrow(/changes a user account without updating its balance/);
    await expect(
      forge(async (client, entry) => {
        await client.query(
          "INSERT INTO postings (transaction_id, wallet_id, asset, available_change, held_change, available_after, held_after) VALUES ($1, $2, 'USD', -700, 0, NULL, NULL), ($1, $3, 'USD', 700, 0, 999999, 0)",
          [entry, external, usd],
        );
      }),
    ).rejects.toThrow(/changes a user account without updating its balance/);
  });

  it('refuses a negative balance even when the code forgets to check', async () => {
    const userId = await fundedUser('5.00');
    await expect(db.query('UPDATE wallets SET available = available - 501 WHERE id = $1', [await walletId(userId, 'USD')])).rejects.toThrow(
      /wallets_non_negative/,
    );
  });

  it('answers a retry with its first answer, and a reused reference with 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const buyer = await fundedUser();
    const seller = await fundedUser();
    const block = { userId: buyer, asset: 'USD', amount: '500.00', reference: `order-${randomUUID()}` };
    const first = await blockFunds(deps, block);
    await releaseFunds(deps, { reference: block.reference, amount: '110.00', releaseId: `r-${randomUUID()}` });
    expect(await blockFunds(deps, block)).toEqual(first); // not the hold as it is now
    await expect(blockFunds(deps, { ...block, amount: '400.00' })).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });

    const sell = await blockFunds(deps, { userId: seller, asset: 'AAPL', amount: '50', reference: `order-${randomUUID()}` });
    const trade = {
      tradeId: `AAPL:${randomUUID()}`,
      symbol: 'AAPL',
      price: '10.00',
      quantity: '20',
      buyer: { userId: buyer, holdReference: block.reference, fee: '0.20' },
      seller: { userId: seller, holdReference: sell.hold.reference, fee: '0.00' },
    };
    const settled = await settleTrade(deps, trade);
    expect(await settleTrade(deps, trade)).toEqual(settled);
    await expect(settleTrade(deps, { ...trade, quantity: '40', price: '11.00' })).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    const release = { reference: block.reference, amount: '1.00', releaseId: `r-${randomUUID()}` };
    await releaseFunds(deps, release);
    await expect(releaseFunds(deps, { ...release, amount: '2.00' })).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('refuses a release beyond the hold, and on an emptied hold, without changing anything', async () => {
    const userId = await fundedUser();
    const { hold } = await blockFunds(deps, { userId, asset: 'USD', amount: '10.00', reference: `order-${randomUUID()}` });
    await expect(releaseFunds(deps, { reference: hold.reference, amount: '10.01', releaseId: `r-${randomUUID()}` })).rejects.toMatchObject({
      code: 'INSUFFICIENT_FUNDS',
    });
    const all = await releaseFunds(deps, { reference: hold.reference, releaseId: `r-${randomUUID()}` });
    expect(all.hold).toMatchObject({ remaining: '0.00', status: 'CLOSED' });
    expect(all.balance).toEqual({ asset: 'USD', available: '1000.00', held: '0.00', total: '1000.00' });
    await expect(releaseFunds(deps, { reference: hold.reference, amount: '0.01', releaseId: `r-${randomUUID()}` })).rejects.toMatchObject({
      code: 'HOLD_CLOSED',
    });
    await expect(releaseFunds(deps, { reference: 'no-such-hold', releaseId: `r-${randomUUID()}` })).rejects.toMatchObject({ code: 'HOLD_NOT_FOUND' });
  });

  it('a release that comes before its block voids the reference: a slow block arriving later holds nothing', async () => {
    const userId = await fundedUser();
    const reference = `order-${randomUUID()}`;
    // the order manager gave up on a block that timed out, and released; the block had not committed yet
    await expect(releaseFunds(deps, { reference, releaseId: `abort:${reference}` })).rejects.toMatchObject({ code: 'HOLD_NOT_FOUND' });
    await expect(blockFunds(deps, { userId, asset: 'USD', amount: '100.00', reference })).rejects.toMatchObject({ code: 'HOLD_CLOSED' });
    const held = await db.query<{ held: string }>("SELECT held::text FROM wallets WHERE user_id = $1 AND asset = 'USD'", [userId]);
    expect(held.rows[0]!.held).toBe('0');

    // a block and a release of one reference at the same moment: either the release finds the hold
    // and gives it back, or it voids the reference and the block is refused; never a hold left behind
    for (let i = 0; i < 10; i++) {
      const racing = `order-${randomUUID()}`;
      await Promise.allSettled([
        blockFunds(deps, { userId, asset: 'USD', amount: '1.00', reference: racing }),
        releaseFunds(deps, { reference: racing, releaseId: `abort:${racing}` }),
      ]);
      await releaseFunds(deps, { reference: racing, releaseId: `abort-again:${racing}` }).catch(() => undefined);
    }
    const after = await db.query<{ held: string; available: string }>("SELECT held::text, available::text FROM wallets WHERE user_id = $1 AND asset = 'USD'", [
      userId,
    ]);
    expect(after.rows[0]).toEqual({ held: '0', available: '100000' });
  });
});
