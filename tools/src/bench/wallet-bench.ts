import { randomUUID } from 'node:crypto';
import { latencyRow } from './auth-bench.js';
import { percentile, postJson, runTag, signUp, type Print } from './bench-support.js';

const CONNECTIONS = 50;
const USERS = 50;
/** a fixed number of requests, so every one has finished when the balances are checked */
const REQUESTS = 3000;

/**
 * add-funds through the gateway, one at a time and then at concurrency 50 (50 users, each
 * request with its own Idempotency-Key, 1.00 each). Afterwards the balances must add up to exactly
 * the number of successful deposits.
 */
export async function walletBench(gateway: string, print: Print): Promise<void> {
  const run = runTag();
  const tokens: string[] = [];
  for (let i = 0; i < USERS; i++) tokens.push(await signUp(gateway, `funds-${run}-${i}@bench.test`, 'bench-password-1'));
  // one at a time first: the latency of a single deposit, against the ~150 ms budget of one deposit
  const sequential: number[] = [];
  for (let i = 0; i < 220; i++) {
    const response = await postJson(
      `${gateway}/v1/wallet/add-funds`,
      { amount: '1.00' },
      { authorization: `Bearer ${tokens[0]}`, 'idempotency-key': randomUUID() },
    );
    if (response.status !== 200) throw new Error(`add-funds answered ${response.status}`);
    if (i >= 20) sequential.push(response.elapsedMs);
  }
  print('| request (through the gateway, sequential) | n | p50 ms | p95 ms | p99 ms | mean ms |');
  print('|---|---|---|---|---|---|');
  print(latencyRow('POST /v1/wallet/add-funds', sequential));
  print('');

  // then 50 clients at once, each sending its next request as soon as the last one answered
  const latencies: number[] = [];
  let sent = 0;
  let failed = 0;
  const startedAt = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, worker) => {
      while (sent < REQUESTS) {
        sent += 1;
        const response = await postJson(
          `${gateway}/v1/wallet/add-funds`,
          { amount: '1.00' },
          {
            authorization: `Bearer ${tokens[worker % tokens.length]}`,
            'idempotency-key': randomUUID(),
          },
        );
        if (response.status === 200) latencies.push(response.elapsedMs);
        else failed += 1;
      }
    }),
  );
  const elapsedS = Number(process.hrtime.bigint() - startedAt) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => percentile(latencies, p).toFixed(1);

  let totalCents = 0n;
  for (const token of tokens) {
    const wallet = (await (await fetch(`${gateway}/v1/wallet`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      balances: Array<{ asset: string; total: string }>;
    };
    const usd = wallet.balances.find((balance) => balance.asset === 'USD')!;
    totalCents += BigInt(usd.total.replace('.', ''));
  }
  const succeeded = BigInt(latencies.length) + 220n;
  print(`| add-funds at concurrency ${CONNECTIONS} (${USERS} users, ${REQUESTS} requests) | req/s | p50 ms | p95 ms | p99 ms | max ms | 200 | other |`);
  print('|---|---|---|---|---|---|---|---|');
  print(
    `| POST /v1/wallet/add-funds | ${Math.round(latencies.length / elapsedS)} | ${at(50)} | ${at(95)} | ${at(99)} | ${latencies.at(-1)!.toFixed(1)} | ${latencies.length} | ${failed} |`,
  );
  print('');
  print(
    `Balances afterwards: ${totalCents / 100n}.${String(totalCents % 100n).padStart(2, '0')} USD for ${succeeded} successful deposits of 1.00 (sequential and concurrent) — ${totalCents === succeeded * 100n ? 'exact' : 'MISMATCH'}`,
  );
  if (totalCents !== succeeded * 100n) throw new Error('balances do not add up to the successful deposits');
}
