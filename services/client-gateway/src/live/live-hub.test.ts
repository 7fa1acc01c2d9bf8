import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createLogger, type Redis } from '@exchange/platform';
import { LiveHub } from './live-hub.js';

/** A Redis whose subscriber connection the test controls: SUBSCRIBE answers when the test says. */
function fakeRedis() {
  const subscriber = Object.assign(new EventEmitter(), {
    pending: [] as Array<{ channel: string; resolve: () => void; reject: (error: Error) => void }>,
    subscribed: [] as string[],
    subscribe(channel: string) {
      return new Promise<void>((resolve, reject) =>
        subscriber.pending.push({
          channel,
          resolve: () => {
            subscriber.subscribed.push(channel);
            resolve();
          },
          reject,
        }),
      );
    },
    async unsubscribe(channel: string) {
      subscriber.subscribed = subscriber.subscribed.filter((c) => c !== channel);
    },
    disconnect() {},
  });
  const redis = { options: { keyPrefix: 'p:' }, duplicate: () => subscriber } as unknown as Redis;
  const deliver = (channel: string, message: object) => subscriber.emit('message', `p:${channel}`, JSON.stringify(message));
  return { redis, subscriber, deliver };
}

describe('the live hub', () => {
  it('forgets a channel whose SUBSCRIBE failed, so the next listener subscribes again', async () => {
    const { redis, subscriber, deliver } = fakeRedis();
    const hub = new LiveHub(redis, createLogger('test', 'silent'));
    const first = hub.listen('md:AAPL', () => {});
    subscriber.pending.shift()!.reject(new Error('Redis is down'));
    await expect(first).rejects.toThrow('Redis is down');

    const heard: object[] = [];
    const second = hub.listen('md:AAPL', (message) => heard.push(message));
    expect(subscriber.pending.map((p) => p.channel)).toEqual(['p:md:AAPL']);
    subscriber.pending.shift()!.resolve();
    await second;
    const trade = {
      type: 'trade',
      symbol: 'AAPL',
      trade: { id: 'AAPL:1', price: '1.00', quantity: '1', takerSide: 'BUY', executedAt: new Date().toISOString() },
    };
    deliver('md:AAPL', trade);
    // a message outside the channel's contract never reaches a listener
    deliver('md:AAPL', { type: 'trade' });
    expect(heard).toEqual([trade]);
  });

  it('keeps a channel for a listener that joined while it was being subscribed, when another one leaves', async () => {
    const { redis, subscriber, deliver } = fakeRedis();
    const hub = new LiveHub(redis, createLogger('test', 'silent'));
    const heardByX: object[] = [];
    const x = hub.listen('md:BOOK', (message) => heardByX.push(message));
    const y = hub.listen('md:BOOK', () => {});
    subscriber.pending.shift()!.resolve();
    const [, stopY] = await Promise.all([x, y]);
    await stopY();
    expect(subscriber.subscribed).toEqual(['p:md:BOOK']);
    const depth = { type: 'depth', symbol: 'BOOK', firstSequence: 1, sequence: 1, bids: [], asks: [] };
    deliver('md:BOOK', depth);
    expect(heardByX).toEqual([depth]);
  });
});
