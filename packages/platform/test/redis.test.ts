import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '../src/index.js';
import { createTestRedis } from '../src/testing/index.js';

describe('Redis connection', () => {
  const testRedis = createTestRedis();
  afterAll(() => testRedis.clean());

  it('prefixes every key, so runs and systems sharing one Redis stay apart', async () => {
    const redis = createRedis({ url: testRedis.url, keyPrefix: testRedis.prefix, connectionName: 'test' });
    const raw = createRedis({ url: testRedis.url, keyPrefix: '', connectionName: 'test-raw' });
    try {
      await redis.set('greeting', 'hello');
      expect(await raw.get(`${testRedis.prefix}greeting`)).toBe('hello');
      expect(await raw.exists('greeting')).toBe(0);
    } finally {
      redis.disconnect();
      raw.disconnect();
    }
  });

  it('fails commands, not the process, when Redis is unreachable', async () => {
    const redis = createRedis({ url: 'redis://127.0.0.1:1', keyPrefix: '', connectionName: 'test-down', maxRetriesPerRequest: 1 });
    try {
      await expect(redis.ping()).rejects.toThrow();
    } finally {
      redis.disconnect();
    }
  });
});
