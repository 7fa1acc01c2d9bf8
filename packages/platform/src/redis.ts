import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

export interface RedisConnectionOptions {
  url: string;
  /** prepended to every key, so several systems (or test runs) can share one Redis */
  keyPrefix: string;
  connectionName: string;
  /** commands wait this long for a lost connection to come back before failing */
  maxRetriesPerRequest?: number;
}

export function createRedis(options: RedisConnectionOptions): Redis {
  const redisOptions: RedisOptions = {
    keyPrefix: options.keyPrefix,
    connectionName: options.connectionName,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 3,
    enableAutoPipelining: true,
    // Back off up to 2 s between reconnects and never give up: Redis restarts are survivable.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  };
  const redis = new Redis(options.url, redisOptions);
  // Errors surface on the commands that fail; the connection event itself must not crash the process.
  redis.on('error', () => {});
  return redis;
}

/**
 * Pub/sub channels are not keys, so ioredis does not put its key prefix on them; this does, so that
 * several systems (or test runs) sharing one Redis never hear each other. Use it on both sides:
 * PUBLISH and (P)SUBSCRIBE. A message's channel comes back prefixed; `unprefixedChannel` strips it.
 */
export function prefixedChannel(redis: Redis, channel: string): string {
  return `${redis.options.keyPrefix ?? ''}${channel}`;
}

export function unprefixedChannel(redis: Redis, channel: string): string {
  const prefix = redis.options.keyPrefix ?? '';
  return channel.startsWith(prefix) ? channel.slice(prefix.length) : channel;
}
