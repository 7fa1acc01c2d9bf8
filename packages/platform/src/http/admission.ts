import { Counter, Gauge, type Registry } from 'prom-client';
import { AppError } from '../errors.js';

export interface AdmissionOptions {
  /** what is admitted, for the error's message and the metrics' label: "orders" */
  what: string;
  /**
   * ms from admission to answer that even the quickest request answered in a window may take: a
   * window in which every request took longer shows a standing queue, and the limit shrinks
   */
  targetLatencyMs: number;
  /** ms over which answers are gathered before the limit moves (100) */
  windowMs?: number;
  /** requests in flight at first, and the floor and ceiling the limit moves between */
  initialLimit: number;
  minLimit: number;
  maxLimit: number;
  /** the factor a slow window multiplies the limit by (0.9) */
  backoffRatio?: number;
  /** seconds a refused caller is told to wait */
  retryAfterSeconds?: number;
  /** the clock, in ms (tests) */
  now?: () => number;
  /** where the limit, the requests in flight and the refusals are exposed */
  registry?: Registry;
}

/** How an admitted request ended: `overloaded` when something behind it refused it for load (a 503). */
export type Release = (outcome?: { overloaded?: boolean }) => void;

/**
 * Admission by concurrency with an adaptive limit (additive increase, multiplicative decrease, as
 * TCP's congestion window and Netflix's concurrency limiters): at most `limit` requests are in
 * flight; one more is refused at once with 503 SERVICE_UNAVAILABLE and Retry-After, before anything
 * is spent on it. The limit moves once per window of answers. A window in which even the quickest
 * answer took longer than the target shows a standing queue (as CoDel reads a network queue: the
 * least time anything waited, not the average, which a burst or a slow request inflates) — as does
 * one in which something further in refused a request for load: the limit drops by the backoff
 * ratio. A window with a quick answer in which the limit was at least half used raises it by a
 * tenth (at least one). Slow answers among quick ones move nothing.
 *
 * Why: past capacity, work admitted waits in queues nobody sees (the CPU's run queue, sockets,
 * connection pools), and every accepted request gets slower while the refused ones wait as long
 * to be refused. Bounding the work in flight by the latency it produces keeps the accepted ones
 * near their unloaded latency and makes a refusal cheap and immediate.
 */
export class AdmissionLimit {
  private limitValue: number;
  private inFlightCount = 0;
  private readonly now: () => number;
  private readonly backoffRatio: number;
  private readonly windowMs: number;
  private readonly refusals?: Counter<'what'>;
  /** the one refusal, made once: a flood of refusals costs no stack trace each */
  private readonly refusal: AppError;
  /** the current window: when it began, its quickest answer, any overload, the most in flight */
  private window = { startedAt: 0, quickestMs: Number.POSITIVE_INFINITY, overloaded: false, peakInFlight: 0 };

  constructor(private readonly options: AdmissionOptions) {
    if (!(options.minLimit >= 1 && options.minLimit <= options.initialLimit && options.initialLimit <= options.maxLimit))
      throw new Error(`admission limits must satisfy 1 ≤ min ≤ initial ≤ max, got ${options.minLimit}, ${options.initialLimit}, ${options.maxLimit}`);
    this.limitValue = options.initialLimit;
    this.now = options.now ?? (() => performance.now());
    this.backoffRatio = options.backoffRatio ?? 0.9;
    this.windowMs = options.windowMs ?? 100;
    this.window.startedAt = this.now();
    const retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.refusal = new AppError('SERVICE_UNAVAILABLE', `Too many ${options.what} in flight; retry in ${retryAfterSeconds} s`, { retryAfterSeconds });
    const registry = options.registry;
    if (registry) {
      const labels = { what: options.what };
      const gauge = (name: string, help: string, read: () => number) =>
        new Gauge({
          name,
          help,
          labelNames: ['what'] as const,
          registers: [registry],
          collect() {
            this.set(labels, read());
          },
        });
      gauge('exchange_admission_limit', 'Requests admitted in flight at most, adapted to the latency they produce', () => Math.floor(this.limitValue));
      gauge('exchange_admission_in_flight', 'Requests admitted and not yet answered', () => this.inFlightCount);
      this.refusals = new Counter({
        name: 'exchange_admission_refused_total',
        help: 'Requests refused at once because the admitted ones reached the limit',
        labelNames: ['what'] as const,
        registers: [registry],
      });
    }
  }

  /** The current limit (whole requests). */
  get limit(): number {
    return Math.floor(this.limitValue);
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  /** A permit for one request, or the refusal to throw when the limit is reached. */
  acquire(): Release {
    if (this.inFlightCount >= Math.floor(this.limitValue)) {
      this.refusals?.inc({ what: this.options.what });
      throw this.refusal;
    }
    this.inFlightCount += 1;
    this.window.peakInFlight = Math.max(this.window.peakInFlight, this.inFlightCount);
    const admittedAt = this.now();
    let released = false;
    return (outcome) => {
      if (released) return;
      released = true;
      this.inFlightCount -= 1;
      const finishedAt = this.now();
      const window = this.window;
      window.quickestMs = Math.min(window.quickestMs, finishedAt - admittedAt);
      window.overloaded ||= outcome?.overloaded === true;
      if (finishedAt - window.startedAt >= this.windowMs) this.adapt(finishedAt);
    };
  }

  private adapt(now: number): void {
    const { quickestMs, overloaded, peakInFlight } = this.window;
    const { minLimit, maxLimit, targetLatencyMs } = this.options;
    if (overloaded || quickestMs > targetLatencyMs) {
      this.limitValue = Math.max(minLimit, this.limitValue * this.backoffRatio);
    } else if (peakInFlight * 2 >= this.limitValue) {
      // only a limit that is being used is raised: an idle system says nothing about a larger one
      this.limitValue = Math.min(maxLimit, this.limitValue + Math.max(1, this.limitValue / 10));
    }
    this.window = { startedAt: now, quickestMs: Number.POSITIVE_INFINITY, overloaded: false, peakInFlight: this.inFlightCount };
  }
}
