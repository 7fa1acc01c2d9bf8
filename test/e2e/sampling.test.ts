import { resolve } from 'node:path';
import { startPrivateSystem, type PrivateSystem } from '@exchange/tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');

/**
 * With head sampling (the ratio the benchmark runs at, here 0: no trace kept), a request that fails
 * is still recorded: its answer names its trace id and the processes' log lines carry that id with
 * the refusal's code or the fault, so a failure can be followed even when its spans were dropped.
 */
describe('head sampling keeps failures findable', () => {
  let exchange: PrivateSystem;
  const lines: string[] = [];

  async function api(method: string, path: string, body?: unknown, token?: string) {
    const response = await fetch(`${exchange.gateway}${path}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, traceId: response.headers.get('x-trace-id'), body: (await response.json()) as any };
  }

  /** The log lines of `service` naming `traceId`, once one that matches `pattern` has arrived. */
  async function loggedWith(service: string, traceId: string, pattern: RegExp): Promise<string[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = lines.filter((line) => line.startsWith(service) && line.includes(traceId));
      if (found.some((line) => pattern.test(line))) return found;
      if (Date.now() > deadline)
        throw new Error(`${service} logged nothing matching ${pattern} for trace ${traceId}: ${found.join('\n') || 'no line with that id'}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  beforeAll(async () => {
    exchange = await startPrivateSystem(ROOT, {
      seedAdmin: true,
      env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0', LOG_LEVEL: 'info' },
      output: (line) => lines.push(line),
    });
  }, 120_000);

  afterAll(async () => {
    await exchange?.stop();
  });

  it('a refusal decided behind the gateway (INSUFFICIENT_FUNDS) is logged with its trace id and code', async () => {
    const admin = await api('POST', '/v1/auth/login', { email: 'admin@exchange.local', password: 'exchange-admin' });
    expect(admin.status).toBe(200);
    const created = await api(
      'POST',
      '/v1/admin/markets',
      { symbol: 'SMPL', name: 'Sampled Inc.', tickSize: '0.01', lotSize: '1', referencePrice: '10.00' },
      admin.body.accessToken,
    );
    expect(created.status).toBe(201);
    await api('POST', '/v1/auth/register', { email: 'sampled@example.com', password: 'correct-horse-sampled' });
    const user = await api('POST', '/v1/auth/login', { email: 'sampled@example.com', password: 'correct-horse-sampled' });
    expect(user.status).toBe(200);

    const refused = await api('POST', '/v1/orders', { symbol: 'SMPL', side: 'BUY', type: 'LIMIT', price: '10.00', quantity: '5' }, user.body.accessToken);
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('INSUFFICIENT_FUNDS');
    expect(refused.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(refused.body.error.traceId).toBe(refused.traceId);
    await loggedWith('client-gateway', refused.traceId!, /INSUFFICIENT_FUNDS/);
  });

  it('a fault (the user-service gone) is logged by the gateway with its trace id', async () => {
    await exchange.system.processes.get('user-service')!.stop(5_000);
    const failed = await api('POST', '/v1/auth/login', { email: 'sampled@example.com', password: 'correct-horse-sampled' });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(failed.body.error.traceId).toBe(failed.traceId);
    await loggedWith('client-gateway', failed.traceId!, new RegExp(failed.body.error.code));
  });
});
