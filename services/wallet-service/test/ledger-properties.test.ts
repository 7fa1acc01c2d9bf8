import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, type Pool } from '@exchange/platform';
import { formatAmount } from '@exchange/contracts';
import { blockFunds } from '../src/app/block-funds.js';
import { deposit } from '../src/app/deposit.js';
import { releaseFunds } from '../src/app/release-funds.js';
import { settleTrade } from '../src/app/settle-trade.js';
import type { WalletDeps } from '../src/app/wallet-deps.js';
import { createLedgerTestContext, type LedgerTestContext } from './support.js';

const USERS = Array.from({ length: 8 }, () => randomUUID());
const ASSETS = ['USD', 'AAPL'] as const;
/** refusals the ledger is allowed to answer with; anything else is a bug */
const EXPECTED_REFUSALS = new Set(['INSUFFICIENT_FUNDS', 'HOLD_CLOSED']);

type Op =
  | { kind: 'deposit'; user: number; asset: number; amount: number }
  | { kind: 'block'; user: number; asset: number; amount: number }
  | { kind: 'release'; hold: number; amount: number | null }
  | { kind: 'settle'; buyer: number; seller: number; price: number; quantity: number; buyerFee: number; sellerFee: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('deposit' as const), user: fc.nat(7), asset: fc.nat(1), amount: fc.integer({ min: 1, max: 50_000 }) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('block' as const), user: fc.nat(7), asset: fc.nat(1), amount: fc.integer({ min: 1, max: 20_000 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('release' as const), hold: fc.nat(), amount: fc.option(fc.integer({ min: 1, max: 5_000 }), { nil: null }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('settle' as const),
      buyer: fc.nat(),
      seller: fc.nat(),
      price: fc.integer({ min: 1, max: 2_000 }),
      quantity: fc.integer({ min: 1, max: 20 }),
      buyerFee: fc.integer({ min: 0, max: 50 }),
      sellerFee: fc.integer({ min: 0, max: 50 }),
    }),
  },
);

/** Every successful call, so that it can be replayed afterwards. */
type Call = () => Promise<unknown>;

async function snapshot(db: Pool) {
  const wallets = await db.query('SELECT id, available::text, held::text FROM wallets ORDER BY id');
  const counts = await db.query(
    'SELECT (SELECT count(*) FROM transactions) AS transactions, (SELECT count(*) FROM postings) AS postings, (SELECT count(*) FROM outbox) AS events',
  );
  const holds = await db.query('SELECT reference, remaining::text FROM holds ORDER BY reference');
  return JSON.stringify([wallets.rows, counts.rows, holds.rows]);
}

describe('ledger invariants under random concurrent operations (fast-check, real PostgreSQL)', () => {
  let context: LedgerTestContext;
  let db: Pool;
  let deps: WalletDeps;

  beforeAll(async () => {
    // AAPL's EXTERNAL account is left to the first credits to create, racing each other
    context = await createLedgerTestContext({ poolSize: 24, preparedAssets: ['USD'] });
    ({ db, deps } = context);
  });
  afterAll(async () => context?.close());

  it('keeps every asset balanced, no balance negative, held equal to open holds, and replays changing nothing', { timeout: 180_000 }, async () => {
    let totalOperations = 0;
    // the database carries over from run to run, so the expected totals do too
    const deposited = new Map<string, bigint>();
    const succeeded: Record<Op['kind'], number> = { deposit: 0, block: 0, release: 0, settle: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(opArbitrary, { minLength: 60, maxLength: 120 }), { minLength: 6, maxLength: 10 }), async (rounds) => {
        const holds: Array<{ reference: string; asset: string; userId: string }> = [];
        const replays: Array<{ call: Call; answer: unknown }> = [];
        let refused = 0;

        interface Prepared {
          kind: Op['kind'];
          call: Call;
          onSuccess?: () => void;
        }

        /** Runs an operation once, or twice at the same moment (a retry racing the original). */
        const run = async ({ kind, call, onSuccess }: Prepared, isDuplicated: boolean) => {
          const results = await Promise.allSettled(isDuplicated ? [call(), call()] : [call()]);
          for (const result of results) {
            if (result.status === 'rejected') {
              const error = result.reason;
              if (!(error instanceof AppError) || !EXPECTED_REFUSALS.has(error.code)) throw error;
              refused += 1;
            }
          }
          const answers = results.filter((result) => result.status === 'fulfilled').map((result) => result.value);
          if (answers.length === 0) return;
          // a retry that raced the original got the very same answer, and the effect happened once
          if (answers.length === 2) expect(answers[1]).toEqual(answers[0]);
          succeeded[kind] += 1;
          replays.push({ call, answer: answers[0] });
          onSuccess?.();
        };

        const prepare = (op: Op): Prepared | undefined => {
          switch (op.kind) {
            case 'deposit': {
              const asset = ASSETS[op.asset]!;
              const userId = USERS[op.user]!;
              const minor = asset === 'USD' ? BigInt(op.amount) : BigInt((op.amount % 500) + 1);
              const amount = formatAmount(minor, asset === 'USD' ? 2 : 0);
              const key = randomUUID();
              return {
                kind: 'deposit',
                call: () => deposit(deps, { userId, type: 'DEPOSIT', asset, amount, idempotency: { scope: userId, key } }, userId),
                onSuccess: () => deposited.set(asset, (deposited.get(asset) ?? 0n) + minor),
              };
            }
            case 'block': {
              const asset = ASSETS[op.asset]!;
              const userId = USERS[op.user]!;
              const reference = `order-${randomUUID()}`;
              const amount = asset === 'USD' ? formatAmount(BigInt(op.amount), 2) : String((op.amount % 50) + 1);
              return {
                kind: 'block',
                call: () => blockFunds(deps, { userId, asset, amount, reference }),
                onSuccess: () => holds.push({ reference, asset, userId }),
              };
            }
            case 'release': {
              if (holds.length === 0) return undefined;
              const hold = holds[op.hold % holds.length]!;
              const amount = op.amount === null ? undefined : hold.asset === 'USD' ? formatAmount(BigInt(op.amount), 2) : String((op.amount % 5) + 1);
              const releaseId = `release-${randomUUID()}`;
              return { kind: 'release', call: () => releaseFunds(deps, { reference: hold.reference, releaseId, ...(amount ? { amount } : {}) }) };
            }
            case 'settle': {
              const buyers = holds.filter((hold) => hold.asset === 'USD');
              const sellers = holds.filter((hold) => hold.asset === 'AAPL');
              if (buyers.length === 0 || sellers.length === 0) return undefined;
              const buyer = buyers[op.buyer % buyers.length]!;
              const seller = sellers[op.seller % sellers.length]!;
              const sellerFee = Math.min(op.sellerFee, op.price * op.quantity);
              const request = {
                tradeId: `AAPL:${randomUUID()}`,
                symbol: 'AAPL',
                price: formatAmount(BigInt(op.price), 2),
                quantity: String(op.quantity),
                buyer: { userId: buyer.userId, holdReference: buyer.reference, fee: formatAmount(BigInt(op.buyerFee), 2) },
                seller: { userId: seller.userId, holdReference: seller.reference, fee: formatAmount(BigInt(sellerFee), 2) },
              };
              return { kind: 'settle', call: () => settleTrade(deps, request) };
            }
          }
        };

        for (const round of rounds) {
          // a round runs all at once: deposits, holds, releases and settlements race each other,
          // and every seventh operation races a retry of itself
          await Promise.all(
            round.map((op, index) => {
              const prepared = prepare(op);
              return prepared ? run(prepared, index % 7 === 0) : Promise.resolve();
            }),
          );
          totalOperations += round.length;
        }

        await assertInvariants(db, deposited);

        const before = await snapshot(db);
        // every retry answers exactly what the first call answered
        await Promise.all(replays.map(async ({ call, answer }) => expect(await call()).toEqual(answer)));
        expect(await snapshot(db), 'replaying every successful operation changes nothing').toBe(before);
        totalOperations += replays.length;
        expect(refused + replays.length).toBeGreaterThan(0);
      }),
      // every run adds to one database, so a shrunk counterexample would not reproduce: report the first failure as is
      { numRuns: Number(process.env.LEDGER_RUNS ?? 5), endOnFailure: true },
    );
    expect(totalOperations).toBeGreaterThan(3000);
    // the mix really exercised every operation, not only refusals
    for (const [kind, count] of Object.entries(succeeded)) expect(count, kind).toBeGreaterThan(50);
  });
});

async function assertInvariants(db: Pool, deposited: Map<string, bigint>) {
  // 1. per asset: users + the exchange's accounts = 0, and EXTERNAL mirrors the total deposited
  const sums = await db.query<{ asset: string; users: string; system: string }>(
    `SELECT a.asset,
            coalesce((SELECT sum(available + held) FROM wallets w WHERE w.asset = a.asset AND w.user_id IS NOT NULL), 0)::text AS users,
            coalesce((SELECT sum(balance) FROM system_balances s WHERE s.asset = a.asset), 0)::text AS system
       FROM (SELECT DISTINCT asset FROM wallets) a`,
  );
  for (const row of sums.rows) expect(BigInt(row.users) + BigInt(row.system), `${row.asset} balances`).toBe(0n);
  const external = await db.query<{ asset: string; balance: string }>("SELECT asset, balance::text FROM system_balances WHERE system_account = 'EXTERNAL'");
  for (const row of external.rows) expect(-BigInt(row.balance), `${row.asset} deposited`).toBe(deposited.get(row.asset) ?? 0n);
  const fees = await db.query<{ balance: string }>("SELECT balance::text FROM system_balances WHERE system_account = 'FEES'");
  expect(BigInt(fees.rows[0]!.balance)).toBeGreaterThanOrEqual(0n);

  // 2. nothing negative
  expect((await db.query('SELECT id FROM wallets WHERE available < 0 OR held < 0')).rows).toEqual([]);

  // 3. held = what the open holds still hold, account by account
  const mismatched = await db.query(
    `SELECT w.id FROM wallets w LEFT JOIN holds h ON h.wallet_id = w.id
      WHERE w.user_id IS NOT NULL GROUP BY w.id, w.held HAVING w.held <> coalesce(sum(h.remaining), 0)`,
  );
  expect(mismatched.rows).toEqual([]);

  // 4. every account's balances are the sum of its postings, and the last posting says so too
  const drift = await db.query(
    `SELECT w.id FROM wallets w LEFT JOIN postings p ON p.wallet_id = w.id
      WHERE w.user_id IS NOT NULL GROUP BY w.id, w.available, w.held
     HAVING w.available <> coalesce(sum(p.available_change), 0) OR w.held <> coalesce(sum(p.held_change), 0)`,
  );
  expect(drift.rows).toEqual([]);

  // 5. every journal entry balances per asset
  const unbalanced = await db.query('SELECT transaction_id FROM postings GROUP BY transaction_id, asset HAVING sum(available_change + held_change) <> 0');
  expect(unbalanced.rows).toEqual([]);
}
