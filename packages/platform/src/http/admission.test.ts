import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { AdmissionLimit, type Release } from './admission.js';

function limiter(overrides: Partial<ConstructorParameters<typeof AdmissionLimit>[0]> = {}) {
  let clock = 0;
  const limit = new AdmissionLimit({ what: 'orders', targetLatencyMs: 100, initialLimit: 10, minLimit: 2, maxLimit: 20, now: () => clock, ...overrides });
  return { limit, advance: (ms: number) => (clock += ms) };
}

describe('admission by an adaptive concurrency limit', () => {
  it('admits up to the limit and refuses the next at once with 503 SERVICE_UNAVAILABLE and a retry time', () => {
    const { limit } = limiter({ initialLimit: 3, minLimit: 1 });
    const permits = [limit.acquire(), limit.acquire(), limit.acquire()];
    expect(limit.inFlight).toBe(3);
    let refusal: unknown;
    try {
      limit.acquire();
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).code).toBe('SERVICE_UNAVAILABLE');
    expect((refusal as AppError).statusCode).toBe(503);
    expect((refusal as AppError).details).toEqual({ retryAfterSeconds: 1 });
    // a refused request holds nothing: one answer frees one place
    permits[0]!();
    expect(limit.inFlight).toBe(2);
    expect(() => limit.acquire()).not.toThrow();
  });

  it('a permit released twice frees its place once', () => {
    const { limit } = limiter();
    const release = limit.acquire();
    limit.acquire();
    release();
    release();
    expect(limit.inFlight).toBe(1);
  });

  it('raises a limit that is in use, once per window of answers within the target', () => {
    const { limit, advance } = limiter({ initialLimit: 10, maxLimit: 50 });
    // a steady load that fills the limit: each answer frees a place taken at once by the next request
    const held = Array.from({ length: 10 }, () => limit.acquire());
    for (let elapsed = 0; elapsed < 1000; elapsed += 2) {
      advance(2); // each request in flight ~limit × 2 ms: well within the target
      held.shift()!();
      while (limit.inFlight < limit.limit) held.push(limit.acquire());
    }
    // ten windows of 100 ms, each raising it by a tenth: 10 × 1.1^10 ≈ 25.9
    expect(limit.limit).toBe(25);
  });

  it('does not raise a limit nobody uses: quick answers one at a time say nothing about more', () => {
    const { limit, advance } = limiter({ initialLimit: 10 });
    for (let i = 0; i < 1000; i++) {
      const release = limit.acquire();
      advance(1);
      release();
    }
    expect(limit.limit).toBe(10);
  });

  it('lowers the limit after a window in which even the quickest answer was slow, or one in which something further in refused for load — never under the floor', () => {
    const { limit, advance } = limiter({ initialLimit: 10 });
    const permits = Array.from({ length: 10 }, () => limit.acquire());
    advance(150);
    for (const release of permits) release();
    expect(limit.limit).toBe(9);
    advance(10);
    limit.acquire()({ overloaded: true });
    advance(100);
    limit.acquire()();
    expect(limit.limit).toBe(8);
    for (let i = 0; i < 50; i++) {
      limit.acquire()({ overloaded: true });
      advance(100);
    }
    expect(limit.limit).toBe(2);
  });

  it('slow answers among quick ones do not lower it: only a standing queue (nothing quick in a window) does', () => {
    const { limit, advance } = limiter({ initialLimit: 10 });
    const slow = Array.from({ length: 5 }, () => limit.acquire());
    advance(60);
    const quick = limit.acquire();
    advance(5);
    quick();
    advance(85);
    // five answers of 150 ms and one of 5 ms: there is no standing queue, and the limit was in use
    for (const release of slow) release();
    expect(limit.limit).toBe(11);
  });

  it('exposes its limit, its requests in flight and its refusals as metrics', async () => {
    const registry = new Registry();
    const { limit } = limiter({ initialLimit: 2, minLimit: 1, registry });
    limit.acquire();
    limit.acquire();
    expect(() => limit.acquire()).toThrow(AppError);
    const text = await registry.metrics();
    expect(text).toContain('exchange_admission_limit{what="orders"} 2');
    expect(text).toContain('exchange_admission_in_flight{what="orders"} 2');
    expect(text).toContain('exchange_admission_refused_total{what="orders"} 1');
  });

  it('refuses limits that cannot work', () => {
    expect(() => limiter({ minLimit: 0 })).toThrow(/1 ≤ min ≤ initial ≤ max/);
    expect(() => limiter({ initialLimit: 30 })).toThrow(/1 ≤ min ≤ initial ≤ max/);
  });

  it('whatever happens, never has more in flight than its limit allowed, and keeps the limit within its bounds', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('acquire' as const) }),
      fc.record({ kind: fc.constant('release' as const), index: fc.nat(), overloaded: fc.boolean() }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 300 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
        const { limit, advance } = limiter();
        const held: Release[] = [];
        for (const action of steps) {
          if (action.kind === 'acquire') {
            const before = limit.limit;
            try {
              held.push(limit.acquire());
              expect(limit.inFlight).toBeLessThanOrEqual(before);
            } catch (error) {
              expect((error as AppError).code).toBe('SERVICE_UNAVAILABLE');
              expect(limit.inFlight).toBeGreaterThanOrEqual(before);
            }
          } else if (action.kind === 'release' && held.length > 0) {
            held.splice(action.index % held.length, 1)[0]!({ overloaded: action.overloaded });
          } else if (action.kind === 'wait') {
            advance(action.ms);
          }
          expect(limit.inFlight).toBe(held.length);
          expect(limit.limit).toBeGreaterThanOrEqual(2);
          expect(limit.limit).toBeLessThanOrEqual(20);
        }
      }),
    );
  });
});
