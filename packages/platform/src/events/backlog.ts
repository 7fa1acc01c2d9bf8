import { Gauge, type Registry } from 'prom-client';
import type { Redis } from '../redis.js';

/** The consumer groups this process reads with, while they run. */
const groups = new Map<string, { redis: Redis; stream: string; group: string }>();

export function trackConsumerGroup(redis: Redis, stream: string, group: string): () => void {
  const key = `${stream}\u0000${group}`;
  groups.set(key, { redis, stream, group });
  return () => groups.delete(key);
}

/**
 * `exchange_stream_backlog_events`: for each stream this process consumes, the events its group has
 * not read yet (`lag`) and those read but not yet acknowledged (`pending`), as Redis counts them
 * (XINFO GROUPS) when /metrics is scraped. A backlog that grows is a consumer falling behind.
 */
export function registerBacklogGauge(registry: Registry): void {
  new Gauge({
    name: 'exchange_stream_backlog_events',
    help: 'Events of a stream a consumer group has not read yet (kind=lag) or not yet acknowledged (kind=pending)',
    labelNames: ['stream', 'group', 'kind'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        [...groups.values()].map(async ({ redis, stream, group }) => {
          try {
            const info = await groupInfo(redis, stream, group);
            if (!info) return;
            if (info.lag !== undefined) this.set({ stream, group, kind: 'lag' }, info.lag);
            this.set({ stream, group, kind: 'pending' }, info.pending);
          } catch {
            // Redis unreachable: no sample rather than a wrong one
          }
        }),
      );
    },
  });
}

/** Redis's view of a consumer group: pending entries, and entries not yet delivered (null when Redis cannot tell). */
export async function groupInfo(redis: Redis, stream: string, group: string): Promise<{ pending: number; lag: number | undefined } | undefined> {
  // ioredis does not prefix XINFO's key as it does other commands'
  const reply: unknown = await redis.xinfo('GROUPS', `${redis.options.keyPrefix ?? ''}${stream}`);
  if (!Array.isArray(reply)) return undefined;
  for (const entry of reply) {
    if (!Array.isArray(entry)) continue;
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < entry.length; i += 2) fields.set(String(entry[i]), entry[i + 1]);
    if (fields.get('name') !== group) continue;
    const lag = fields.get('lag');
    return { pending: Number(fields.get('pending') ?? 0), lag: typeof lag === 'number' ? lag : undefined };
  }
  return undefined;
}
