import pg from 'pg';
import { createRedis } from '@exchange/platform';
import type { Command } from '@exchange/matching-engine/domain';
import { startBenchSystem, type Print } from './bench-support.js';
import { engineWorkload } from './engine-bench.js';

/** The command as the order manager's outbox puts it on `orders:{SYMBOL}`. */
function toFields(symbol: string, command: Command, index: number): string[] {
  const data =
    command.kind === 'new'
      ? {
          orderId: command.orderId,
          userId: command.ownerId,
          symbol,
          side: command.side,
          type: command.type,
          ...(command.type === 'LIMIT' ? { priceTicks: String(command.price) } : {}),
          quantityLots: String(command.quantity),
          timeInForce: command.timeInForce,
          selfTradePrevention: 'NONE',
        }
      : { orderId: command.orderId, symbol };
  return [
    'id',
    `bench-${index}`,
    'type',
    command.kind === 'new' ? 'order_created' : 'order_cancel_requested',
    'data',
    JSON.stringify(data),
    'traceparent',
    '',
    'tracestate',
    '',
  ];
}

/**
 * The matching-engine service end to end: commands XADDed to `orders:AAPL`, consumed in batches,
 * matched, journaled in PostgreSQL with their executions and outbox rows, acknowledged, and the
 * events published on `executions:AAPL` by the relay. Measures commands/s until the last event is out.
 */
export async function engineServiceBench(rootDir: string, print: Print, count = 20_000): Promise<void> {
  const bench = await startBenchSystem(rootDir, { services: ['matching-engine'], traceBackend: false, env: { ENGINE_SYMBOLS: 'AAPL' } });
  const redis = createRedis({ url: bench.redisUrl, keyPrefix: bench.redisKeyPrefix, connectionName: 'bench' });
  const db = new pg.Client({ connectionString: bench.databaseUrl });
  await db.connect();
  try {
    const commands = engineWorkload(count, 99);
    const started = process.hrtime.bigint();
    for (let offset = 0; offset < commands.length; offset += 1000) {
      const pipeline = redis.pipeline();
      for (const [i, command] of commands.slice(offset, offset + 1000).entries()) pipeline.xadd('orders:AAPL', '*', ...toFields('AAPL', command, offset + i));
      await pipeline.exec();
    }
    const expectedEvents = async () => Number((await db.query('SELECT count(*) FROM matching_engine.executions')).rows[0].count);
    const journaled = async () => Number((await db.query('SELECT count(*) FROM matching_engine.journal')).rows[0].count);
    while ((await journaled()) < count) await new Promise((resolve) => setTimeout(resolve, 20));
    const events = await expectedEvents();
    while ((await redis.xlen('executions:AAPL')) < events) await new Promise((resolve) => setTimeout(resolve, 20));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    print(
      `Service (stream in → match → PostgreSQL journal, executions and outbox in one transaction per batch of up to 500 → ack → events out): ${count.toLocaleString('en-US')} commands, ${events.toLocaleString('en-US')} events in ${seconds.toFixed(2)} s = ${Math.round(count / seconds).toLocaleString('en-US')} commands/s, ${Math.round(events / seconds).toLocaleString('en-US')} events/s`,
    );
  } finally {
    await db.end();
    redis.disconnect();
    await bench.stop();
  }
}
