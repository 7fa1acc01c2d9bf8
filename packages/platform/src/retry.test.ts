import { afterEach, describe, expect, it } from 'vitest';
import { Retries } from './retry.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('retries of work that failed', () => {
  let retries: Retries | undefined;
  afterEach(() => retries?.stop());

  it('retries a key with growing delays until an attempt says it is done, then forgets it', async () => {
    const attemptsAt: number[] = [];
    const started = Date.now();
    retries = new Retries({ firstDelayMs: 20, maxDelayMs: 80, giveUpAfterMs: 60_000 });
    retries.schedule('a', async () => {
      attemptsAt.push(Date.now() - started);
      return attemptsAt.length === 4;
    });
    expect(retries.has('a')).toBe(true);
    while (retries.has('a')) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(attemptsAt).toHaveLength(4);
    // the waits grow (with jitter: each at least half its nominal 20, 40, 80, 80 ms)
    const waits = attemptsAt.map((at, index) => at - (attemptsAt[index - 1] ?? 0));
    expect(waits[0]).toBeGreaterThanOrEqual(9);
    expect(waits[2]).toBeGreaterThanOrEqual(39);
    expect(retries.size).toBe(0);
  });

  it('counts a thrown error as a failed attempt and tells of it', async () => {
    const failures: Array<[string, unknown, boolean]> = [];
    let calls = 0;
    retries = new Retries({ firstDelayMs: 5, maxDelayMs: 5, giveUpAfterMs: 60_000, onFailure: (key, error, gaveUp) => failures.push([key, error, gaveUp]) });
    retries.schedule('b', async () => {
      calls += 1;
      if (calls < 3) throw new Error(`down ${calls}`);
      return true;
    });
    while (retries.has('b')) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(calls).toBe(3);
    expect(failures.map(([key, error, gaveUp]) => [key, (error as Error).message, gaveUp])).toEqual([
      ['b', 'down 1', false],
      ['b', 'down 2', false],
    ]);
  });

  it('keeps one attempt per key: scheduling it again changes nothing, and an attempt asked for at once joins the running one', async () => {
    let running = 0;
    let most = 0;
    let finish: (() => void) | undefined;
    retries = new Retries({ firstDelayMs: 60_000, maxDelayMs: 60_000, giveUpAfterMs: 600_000 });
    const attempt = async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => (finish = resolve));
      running -= 1;
      return true;
    };
    retries.schedule('c', attempt);
    retries.schedule('c', async () => {
      throw new Error('the second schedule of a key is not used');
    });
    const first = retries.attemptNow('c');
    const second = retries.attemptNow('c');
    await settle();
    expect(running).toBe(1);
    finish!();
    expect(await first).toBe(true);
    expect(await second).toBe(true);
    expect(most).toBe(1);
    expect(retries.has('c')).toBe(false);
    // a key not being retried has nothing left to do
    expect(await retries.attemptNow('c')).toBe(true);
  });

  it('gives a key up after its time, telling so', async () => {
    const failures: boolean[] = [];
    retries = new Retries({ firstDelayMs: 5, maxDelayMs: 5, giveUpAfterMs: 30, onFailure: (_key, _error, gaveUp) => failures.push(gaveUp) });
    retries.schedule('d', async () => false);
    while (retries.has('d')) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(failures.at(-1)).toBe(true);
    expect(failures.filter((gaveUp) => gaveUp)).toHaveLength(1);
  });
});
