import { describe, expect, it } from 'vitest';
import { MicroBatcher } from './batching.js';
import { AppError } from './errors.js';

/** A batch function whose batches the test finishes by hand. */
function controlled() {
  const batches: Array<{ items: number[]; finish: (answers?: Array<number | Error>) => void; fail: (error: Error) => void }> = [];
  const run = (items: number[]) =>
    new Promise<Array<number | Error>>((resolve, reject) => {
      batches.push({ items, finish: (answers) => resolve(answers ?? items.map((item) => item * 10)), fail: reject });
    });
  return { batches, run };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('micro-batching (group commit for requests)', () => {
  it('sends a lone item at once, alone, and gathers what arrives while the slots are busy into the next batch', async () => {
    const { batches, run } = controlled();
    const batcher = new MicroBatcher({ run, maxItems: 3, maxInFlight: 1, maxQueued: 100, what: 'things' });
    const first = batcher.submit(1);
    expect(batches.map((b) => b.items)).toEqual([[1]]);
    const rest = [2, 3, 4, 5].map((item) => batcher.submit(item));
    expect(batcher.queued).toBe(4);
    batches[0]!.finish();
    expect(await first).toBe(10);
    await settle();
    // at most maxItems in one batch; the one left over goes next
    expect(batches.map((b) => b.items)).toEqual([[1], [2, 3, 4]]);
    batches[1]!.finish();
    await settle();
    expect(batches.map((b) => b.items)).toEqual([[1], [2, 3, 4], [5]]);
    batches[2]!.finish();
    expect(await Promise.all(rest)).toEqual([20, 30, 40, 50]);
  });

  it('keeps items that arrive together together, and follows an answer that is a promise', async () => {
    const { batches, run } = controlled();
    const batcher = new MicroBatcher({ run, maxItems: 10, maxInFlight: 1, maxQueued: 100, what: 'things' });
    const answers = batcher.submitMany([1, 2, 3]);
    expect(batches.map((b) => b.items)).toEqual([[1, 2, 3]]);
    let later!: (value: number) => void;
    batches[0]!.finish([10, new Promise<number>((resolve) => (later = resolve)) as unknown as number, 30]);
    await settle();
    later(22);
    expect(await Promise.all(answers)).toEqual([10, 22, 30]);
  });

  it('runs up to maxInFlight batches at once', async () => {
    const { batches, run } = controlled();
    const batcher = new MicroBatcher({ run, maxItems: 10, maxInFlight: 2, maxQueued: 100, what: 'things' });
    void batcher.submit(1);
    void batcher.submit(2);
    void batcher.submit(3);
    expect(batches.map((b) => b.items)).toEqual([[1], [2]]);
    expect([batcher.running, batcher.queued]).toEqual([2, 1]);
  });

  it('answers each item on its own: one item’s error goes to its caller only; a failed batch fails its items', async () => {
    const { batches, run } = controlled();
    const batcher = new MicroBatcher({ run, maxItems: 10, maxInFlight: 1, maxQueued: 100, what: 'things' });
    const lone = batcher.submit(0);
    const [a, b] = [batcher.submit(1), batcher.submit(2)];
    batches[0]!.fail(new Error('the database went away'));
    await expect(lone).rejects.toThrow('the database went away');
    await settle();
    batches[1]!.finish([10, new AppError('INSUFFICIENT_FUNDS', 'no')]);
    expect(await a).toBe(10);
    await expect(b).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
  });

  it('refuses at once, with 503 and a Retry-After, past its bounded queue', async () => {
    const { batches, run } = controlled();
    const batcher = new MicroBatcher({ run, maxItems: 10, maxInFlight: 1, maxQueued: 2, retryAfterSeconds: 3, what: 'orders' });
    void batcher.submit(1);
    void batcher.submit(2);
    void batcher.submit(3);
    await expect(batcher.submit(4)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', statusCode: 503, details: { retryAfterSeconds: 3 } });
    expect(batches).toHaveLength(1);
  });

  it('refuses new items at once while the oldest waiting one has waited past maxWaitMs, and serves those already waiting', async () => {
    const { batches, run } = controlled();
    let clock = 0;
    const batcher = new MicroBatcher({ run, maxItems: 10, maxInFlight: 1, maxQueued: 100, maxWaitMs: 50, what: 'things', now: () => clock });
    const first = batcher.submit(1);
    const waiting = [batcher.submit(2), batcher.submit(3)];
    clock = 50;
    // the oldest has waited exactly the limit: still taken
    const third = batcher.submit(4);
    clock = 51;
    await expect(batcher.submit(5)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', statusCode: 503, details: { retryAfterSeconds: 1 } });
    await expect(Promise.all(batcher.submitMany([6, 7]))).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(batcher.queued).toBe(3);
    // the queue moves: what waited is served, and new items are taken again
    batches[0]!.finish();
    await settle();
    expect(batches.map((b) => b.items)).toEqual([[1], [2, 3, 4]]);
    expect(batcher.queued).toBe(0);
    const later = batcher.submit(8);
    clock = 200;
    // one item waiting 149 ms behind a running batch: the next is refused, that one is not dropped
    await expect(batcher.submit(9)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    batches[1]!.finish();
    await settle();
    batches[2]!.finish();
    expect([await first, ...(await Promise.all(waiting)), await third, await later]).toEqual([10, 20, 30, 40, 80]);
  });
});
