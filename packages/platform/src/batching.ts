import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { AppError } from './errors.js';

export interface MicroBatcherOptions<I, O> {
  /**
   * Does one batch; answers each item in order: a value, the error that item's caller gets, or a
   * promise of either (an item the batch hands on to be answered later).
   */
  run(items: I[]): Promise<Array<O | Error | PromiseLike<O>>>;
  /** the most items in one batch */
  maxItems: number;
  /** batches running at once; items arriving meanwhile wait and go together in the next */
  maxInFlight: number;
  /** items waiting at most; beyond it an item is refused at once (503 with Retry-After) */
  maxQueued: number;
  /**
   * ms the oldest waiting item may have waited: while it has waited longer, new items are refused
   * at once (503 with Retry-After) — the queue is not moving fast enough for them to be served in
   * time. Items already waiting are still served. Absent: only `maxQueued` bounds the queue.
   */
  maxWaitMs?: number;
  /** the clock, in ms (tests) */
  now?: () => number;
  /** seconds a refused caller is told to wait */
  retryAfterSeconds?: number;
  /** what is refused, for the error's message: "orders" */
  what: string;
}

interface Waiting<I, O> {
  item: I;
  /** when it was queued (the batcher's clock) */
  queuedAt: number;
  /** a promise is followed: the item is answered when it settles */
  resolve: (value: O | PromiseLike<O>) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for requests: an item that arrives when a batch slot is free goes at once, alone (a
 * lone request is never delayed); items that arrive while every slot is busy wait and go together
 * in the next batch. Under load the batches grow by themselves, and with them what one round trip,
 * one statement and one commit serve. The queue is bounded: past it an item is refused at once with
 * 503 SERVICE_UNAVAILABLE and Retry-After, never queued without end.
 */
export class MicroBatcher<I, O> {
  private readonly queue: Array<Waiting<I, O>> = [];
  private inFlight = 0;

  private readonly now: () => number;

  constructor(private readonly options: MicroBatcherOptions<I, O>) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Items waiting for a slot. */
  get queued(): number {
    return this.queue.length;
  }

  /** Batches running now. */
  get running(): number {
    return this.inFlight;
  }

  submit(item: I): Promise<O> {
    return this.submitMany([item])[0]!;
  }

  /**
   * Several items that arrived together (a batch from another process): queued together before any
   * is sent, so they travel together rather than the first alone. Each is refused on its own if the
   * queue is full.
   */
  submitMany(items: I[]): Array<Promise<O>> {
    const now = this.now();
    const { maxWaitMs } = this.options;
    // a queue whose oldest item has waited too long takes nobody new until it moves
    const stalled = maxWaitMs !== undefined && this.queue.length > 0 && now - this.queue[0]!.queuedAt > maxWaitMs;
    const answers = items.map((item) => {
      if (stalled || this.queue.length >= this.options.maxQueued) {
        const retryAfterSeconds = this.options.retryAfterSeconds ?? 1;
        return Promise.reject<O>(
          new AppError('SERVICE_UNAVAILABLE', `Too many ${this.options.what} in flight; retry in ${retryAfterSeconds} s`, { retryAfterSeconds }),
        );
      }
      return new Promise<O>((resolve, reject) => this.queue.push({ item, queuedAt: now, resolve, reject }));
    });
    this.drain();
    return answers;
  }

  private drain(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxItems);
      this.inFlight += 1;
      // a batch belongs to no one request: it starts from no trace context (not the context of
      // whichever request or earlier batch happened to start it); `run` picks its parent and links
      void context.with(ROOT_CONTEXT, () => this.runBatch(batch));
    }
  }

  private async runBatch(batch: Array<Waiting<I, O>>): Promise<void> {
    try {
      const answers = await this.options.run(batch.map((waiting) => waiting.item));
      for (const [index, waiting] of batch.entries()) {
        const answer = answers[index];
        if (answer instanceof Error) waiting.reject(answer);
        else if (answer === undefined) waiting.reject(new Error(`item ${index} of a batch of ${batch.length} was left unanswered`));
        else waiting.resolve(answer);
      }
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    } finally {
      this.inFlight -= 1;
      this.drain();
    }
  }
}

/**
 * The request body a process that takes batches from another accepts: a batch of the most items,
 * each with its user's assertion (about 0.5 kB), fits well inside it.
 */
export const BATCH_BODY_LIMIT_BYTES = 4 * 1024 * 1024;
