import { CALLER_NAMES, RISK_MANAGER_API } from '@exchange/contracts';
import {
  createHttpServer,
  createLogger,
  createMetrics,
  generateIdentities,
  loadSigningKey,
  loadTrustBundle,
  callRoute,
  ServiceClient,
  ServiceIdentity,
  serveRoute,
} from '@exchange/platform';
import { percentile, type BenchScenario } from './bench-support.js';

const REQUESTS = 4000;

/** A market as the risk check answers it (the bench measures the round trip, not the check). */
function market(symbol: string) {
  const now = new Date().toISOString();
  return {
    symbol,
    name: symbol,
    baseAsset: symbol,
    quoteAsset: 'USD' as const,
    tickSize: '0.01',
    lotSize: '1',
    referencePrice: '100.00',
    status: 'TRADING' as const,
    makerFeeBps: 0,
    takerFeeBps: 10,
    minQuantity: '1',
    maxQuantity: '1000',
    maxNotional: '100000.00',
    priceCollarBps: 1000,
    createdAt: now,
    updatedAt: now,
  };
}
const ROUNDS = 4;

/**
 * What workload identity costs per internal call, measured in this process: the same route on two
 * servers, one guarded by the access table (caller token and user assertion verified on every
 * request), one not, called alternately over keep-alive connections by a client that signs (or
 * not). Then the cryptography alone, as paid when a cached token is renewed.
 */
export const identityBench: BenchScenario = async (_gateway, print) => {
  const generated = generateIdentities(CALLER_NAMES);
  const trust = await loadTrustBundle(JSON.stringify(generated.bundle));
  const identity = async (name: (typeof CALLER_NAMES)[number]) => new ServiceIdentity(await loadSigningKey(name, generated.privateKeys[name]), trust);
  const gateway = await identity('client-gateway');
  const orderManager = await identity('order-manager');
  const riskManager = await identity('risk-manager');

  const logger = createLogger('bench', 'silent');
  const serve = async (guarded: boolean) => {
    const app = createHttpServer({
      logger,
      metrics: createMetrics(`bench-${guarded ? 'guarded' : 'open'}`),
      readiness: {},
      ...(guarded ? { access: { identity: riskManager } } : {}),
    });
    serveRoute(app, RISK_MANAGER_API.check, ({ body }) => ({ market: market(body.symbol), maxOpenOrders: 200 }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address() as { port: number };
    return { app, url: `http://127.0.0.1:${address.port}` };
  };
  const open = await serve(false);
  const guarded = await serve(true);
  const actor = await gateway.assertUser({ id: '00000000-0000-4000-8000-000000000001', role: 'user' });
  const body = {
    orderId: '00000000-0000-4000-8000-000000000002',
    userId: actor.id,
    symbol: 'AAPL',
    side: 'BUY' as const,
    type: 'LIMIT' as const,
    price: '100.00',
    quantity: '1',
  };
  const openClient = new ServiceClient({ service: 'risk-manager', baseUrl: open.url, timeoutMs: 5000, connections: 1 });
  const guardedClient = new ServiceClient({ service: 'risk-manager', baseUrl: guarded.url, timeoutMs: 5000, connections: 1, identity: orderManager });

  const timed = async (client: ServiceClient, count: number, withActor: boolean): Promise<number[]> => {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = process.hrtime.bigint();
      await callRoute(client, RISK_MANAGER_API.check, { body }, withActor ? { actor } : {});
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return times;
  };
  try {
    await timed(openClient, 500, false);
    await timed(guardedClient, 500, true);
    const openTimes: number[] = [];
    const guardedTimes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      openTimes.push(...(await timed(openClient, REQUESTS / ROUNDS, false)));
      guardedTimes.push(...(await timed(guardedClient, REQUESTS / ROUNDS, true)));
    }
    const stats = (times: number[]) => {
      const sorted = [...times].sort((a, b) => a - b);
      return { mean: times.reduce((sum, t) => sum + t, 0) / times.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
    };
    const a = stats(openTimes);
    const b = stats(guardedTimes);
    print(`internal call, ${REQUESTS} sequential POSTs each, interleaved in ${ROUNDS} rounds (keep-alive, one connection):`);
    print(`  without identity: mean ${a.mean.toFixed(3)} ms, p50 ${a.p50.toFixed(3)} ms, p99 ${a.p99.toFixed(3)} ms`);
    print(`  with identity:    mean ${b.mean.toFixed(3)} ms, p50 ${b.p50.toFixed(3)} ms, p99 ${b.p99.toFixed(3)} ms`);
    print(`  added per call:   ${((b.mean - a.mean) * 1000).toFixed(0)} µs mean, ${((b.p50 - a.p50) * 1000).toFixed(0)} µs at p50`);

    // the cryptography, paid only when a token is minted (every 30 s per callee) or first seen
    const rounds = 2000;
    // a clock that moves 31 s per call: every call mints a new token (none is reused from the cache)
    let clock = Date.now() - rounds * 31_000;
    const signer = new ServiceIdentity(await loadSigningKey('order-manager', generated.privateKeys['order-manager']), trust, { now: () => clock });
    let started = process.hrtime.bigint();
    const fresh: string[] = [];
    for (let i = 0; i < rounds; i++) {
      clock += 31_000;
      fresh.push(await signer.callerToken('risk-manager'));
    }
    const signUs = Number(process.hrtime.bigint() - started) / 1e3 / rounds;
    // verified as if each had just been minted: the verifier's clock follows the tokens
    let verifyClock = Date.now() - rounds * 31_000;
    const verifier = new ServiceIdentity(await loadSigningKey('risk-manager', generated.privateKeys['risk-manager']), trust, { now: () => verifyClock });
    started = process.hrtime.bigint();
    for (const token of fresh) {
      verifyClock += 31_000;
      await verifier.verifyCaller(token);
    }
    const verifyUs = Number(process.hrtime.bigint() - started) / 1e3 / rounds;
    started = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) await verifier.verifyCaller(fresh[rounds - 1]!);
    const cachedUs = Number(process.hrtime.bigint() - started) / 1e3 / rounds;
    print(`  minting a caller token: ${signUs.toFixed(0)} µs; verifying a new one: ${verifyUs.toFixed(0)} µs; a token seen before: ${cachedUs.toFixed(1)} µs`);
  } finally {
    await openClient.close();
    await guardedClient.close();
    await open.app.close();
    await guarded.app.close();
  }
};
