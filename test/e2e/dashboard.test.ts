import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { eventually, freePort } from '@exchange/platform/testing';
import { call, spansInJaeger } from './support.js';
import { newMarket, orderWhen, placed, trader } from './trading-support.js';

async function tradedUser() {
  const symbol = await newMarket();
  const seller = await trader('0', { [symbol]: '5' }, 'dash-seller');
  const buyer = await trader('1000.00', {}, 'dash-buyer');
  await placed(seller, { symbol, side: 'SELL', type: 'LIMIT', price: '100.00', quantity: '2' });
  await new Promise((r) => setTimeout(r, 300));
  const bought = await placed(buyer, { symbol, side: 'BUY', type: 'LIMIT', price: '100.00', quantity: '2' });
  await orderWhen(buyer, bought.id, 'FILLED');
  const resting = await placed(buyer, { symbol, side: 'BUY', type: 'LIMIT', price: '95.00', quantity: '1' });
  return { symbol, buyer, resting };
}

describe('GET /v1/dashboard (API aggregation)', () => {
  it('returns the user, balances, open orders, recent fills and unread notifications in one call', async () => {
    const { symbol, buyer, resting } = await tradedUser();
    let body: any;
    await eventually(
      async () => {
        body = (await call('GET', '/v1/dashboard', { token: buyer.token })).body;
        return body.unreadNotifications?.items.some((n: { type: string }) => n.type === 'ORDER_FILLED');
      },
      10_000,
      'the fill notification',
    );
    expect(body.unavailable).toEqual([]);
    expect(body.user).toMatchObject({ id: buyer.userId, email: buyer.email });
    expect(body.balances).toEqual(expect.arrayContaining([expect.objectContaining({ asset: symbol, total: '2' })]));
    expect(body.openOrders.map((o: { id: string }) => o.id)).toEqual([resting.id]);
    expect(body.recentTrades).toEqual([expect.objectContaining({ symbol, side: 'BUY', quantity: '2', price: '100.00' })]);
    expect(body.unreadNotifications.count).toBeGreaterThan(0);
    expect((await call('GET', '/v1/dashboard')).status).toBe(401);
  });

  it('still answers 200 with the other parts when a backing service is down, and the trace shows the failure', async () => {
    const { buyer } = await tradedUser();
    // a gateway of its own, whose notification service is a port nobody listens on
    const [port, deadPort] = [await freePort(), await freePort()];
    const gateway = spawn(process.execPath, [resolve(__dirname, '..', '..', 'services', 'client-gateway', 'dist', 'main.js')], {
      env: { ...process.env, ...inject('systemEnv'), CLIENT_GATEWAY_PORT: String(port), NOTIFICATION_PORT: String(deadPort) },
      stdio: 'ignore',
    });
    try {
      const baseUrl = `http://127.0.0.1:${port}`;
      await eventually(async () => (await fetch(`${baseUrl}/readyz`).catch(() => undefined))?.ok, 20_000, 'the gateway');
      const response = await fetch(`${baseUrl}/v1/dashboard`, { headers: { authorization: `Bearer ${buyer.token}` } });
      expect(response.status).toBe(200);
      const body = (await response.json()) as any;
      expect(body.unreadNotifications).toBeNull();
      expect(body.unavailable).toEqual([{ part: 'unreadNotifications', code: 'SERVICE_UNAVAILABLE', message: expect.any(String) }]);
      expect(body.user.id).toBe(buyer.userId);
      expect(body.openOrders).toHaveLength(1);
      expect(body.recentTrades).toHaveLength(1);
      expect(body.balances.length).toBeGreaterThan(0);

      const traceId = response.headers.get('x-trace-id')!;
      const spans = await eventually(
        async () => {
          const received = await spansInJaeger(traceId);
          return received.some((s) => s.name === 'dashboard unreadNotifications') && received.some((s) => s.name === 'dashboard user') ? received : undefined;
        },
        10_000,
        'the dashboard trace',
      );
      const failed = spans.find((s) => s.name === 'dashboard unreadNotifications')!;
      expect(failed.attributes['exchange.error.code']).toBe('SERVICE_UNAVAILABLE');
      // the failing step is marked failed in Jaeger, with the error's stack
      expect(failed.statusCode).toBe(2);
      const exception = failed.events.find((event) => event.name === 'exception');
      expect(String(exception?.attributes['exception.stacktrace'])).toMatch(/\n\s+at /);
      expect(spans.find((s) => s.name === 'dashboard balances')!.attributes['exchange.error.code']).toBeUndefined();
    } finally {
      gateway.kill('SIGTERM');
    }
  });
});
