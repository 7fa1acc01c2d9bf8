import type { ChildProcess } from 'node:child_process';
import type { TestDatabase, TestRedis } from '@exchange/platform/testing';
import { internalHeaders } from '@exchange/platform';
import { startServiceProcess, testIdentities } from '@exchange/tools';

/** The built matching-engine as a real process on the test's database and Redis prefix, once ready. */
export async function startEngine(options: { port: number; database: TestDatabase; redis: TestRedis; env: Record<string, string> }): Promise<ChildProcess> {
  return (await startServiceProcess('matching-engine', options)).child;
}

/** A seeded stream of order commands as the order manager's outbox would write them. */
export function commandFields(symbol: string, count: number): string[][] {
  let state = 12345;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const out: string[][] = [];
  for (let i = 1; i <= count; i++) {
    const side = random() < 0.5 ? 'BUY' : 'SELL';
    const r = random();
    let type: string;
    let data: Record<string, unknown>;
    if (r < 0.15 && i > 10) {
      type = 'order_cancel_requested';
      data = { orderId: `order-${1 + Math.floor(random() * (i - 1))}`, symbol };
    } else {
      type = 'order_created';
      const isMarket = r > 0.92;
      const price = side === 'BUY' ? 100 - Math.floor(random() * 6) + 2 : 100 + Math.floor(random() * 6) - 2;
      data = {
        orderId: `order-${i}`,
        userId: `user-${Math.floor(random() * 20)}`,
        symbol,
        side,
        type: isMarket ? 'MARKET' : 'LIMIT',
        ...(isMarket ? {} : { priceTicks: String(price) }),
        quantityLots: String(1 + Math.floor(random() * 50)),
        timeInForce: isMarket ? 'IOC' : 'GTC',
      };
    }
    out.push(['id', `command-${i}`, 'type', type, 'data', JSON.stringify(data), 'traceparent', '', 'tracestate', '']);
  }
  return out;
}

/** The engine's own book at `port`, read as the operator's audit reads it. */
export async function engineBook(port: number, symbol: string, depth?: number): Promise<{ stateHash: string; sequence: number }> {
  const headers = await internalHeaders(testIdentities(), 'operator', 'matching-engine');
  const response = await fetch(`http://127.0.0.1:${port}/books/${symbol}${depth ? `?depth=${depth}` : ''}`, { headers });
  if (!response.ok) throw new Error(`the engine answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { stateHash: string; sequence: number };
}
