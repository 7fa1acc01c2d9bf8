import type { Redis } from '../redis.js';

/** A stream entry as XREADGROUP returns it (fields absent when the entry was trimmed or deleted). */
export type RawEntry = [id: string, fields: string[]];

/** How long a read blocks while some stream is left out of it (its queue full), so it joins again soon. */
const REJOIN_BLOCK_MS = 50;

interface Subscription {
  /** entries read for this stream and not yet taken, oldest first */
  queue: RawEntry[];
  /** how many a take returns at most; the reader prefetches at most this many beyond it */
  batchSize: number;
  /** the consumer waiting for entries, if it is */
  waiter: { resolve: (entries: RawEntry[]) => void; reject: (error: unknown) => void; timer: NodeJS.Timeout } | undefined;
  /** a read failed for this stream: given to its consumer at its next take, which then asks again */
  error: unknown;
}

/**
 * One blocking `XREADGROUP` per consumer group and consumer name in a process, over every stream
 * the process reads with that group: a service that consumes two hundred markets' streams holds one
 * blocked Redis connection for them, not two hundred. Each stream's consumer takes its entries from
 * a queue of its own, in order; a stream whose queue already holds a batch is left out of the next
 * read until its consumer catches up, so a slow stream neither grows memory nor holds up the others.
 * Entries read are in the group's pending list under this consumer's name exactly as if the stream's
 * consumer had read them itself (a crash leaves them to be read again or taken over).
 */
export class GroupReader {
  private static readonly readers = new WeakMap<Redis, Map<string, GroupReader>>();

  /** The reader of `group` as `consumer` on this connection's server, created on first use. */
  static of(redis: Redis, group: string, consumer: string, blockMs: number): GroupReader {
    const byName = GroupReader.readers.get(redis) ?? new Map<string, GroupReader>();
    GroupReader.readers.set(redis, byName);
    const key = `${group}\u0000${consumer}`;
    let reader = byName.get(key);
    if (!reader) {
      const created = new GroupReader(redis, group, consumer, blockMs, (listed) => {
        if (!listed) {
          if (byName.get(key) === created) byName.delete(key);
        } else if (!byName.has(key)) {
          byName.set(key, created);
        }
      });
      reader = created;
      byName.set(key, reader);
    }
    return reader;
  }

  private readonly subscriptions = new Map<string, Subscription>();
  private connection: Redis | undefined;
  private loop: Promise<void> | undefined;
  /** wakes the loop when it waits for a stream to read */
  private wake: (() => void) | undefined;
  private failures = 0;

  private constructor(
    private readonly redis: Redis,
    private readonly group: string,
    private readonly consumer: string,
    private readonly blockMs: number,
    /** keeps this reader in the registry while it has streams (a consumer resubscribing after all had left lists it again) */
    private readonly list: (listed: boolean) => void,
  ) {}

  /** Reads `stream` from now on (its new entries, `>`). */
  subscribe(stream: string, batchSize: number): void {
    this.list(true);
    if (!this.subscriptions.has(stream)) this.subscriptions.set(stream, { queue: [], batchSize, waiter: undefined, error: undefined });
    if (!this.connection) {
      // a blocking read holds its connection: the reader gets one of its own
      this.connection = this.redis.duplicate();
      this.connection.on('error', () => {});
    }
    this.loop ??= this.run();
    this.wake?.();
  }

  /** Stops reading `stream`; what was read for it and not taken stays pending in the group. */
  async unsubscribe(stream: string): Promise<void> {
    const subscription = this.subscriptions.get(stream);
    if (!subscription) return;
    this.subscriptions.delete(stream);
    if (subscription.waiter) {
      clearTimeout(subscription.waiter.timer);
      subscription.waiter.resolve([]);
    }
    if (this.subscriptions.size > 0) return;
    this.list(false);
    this.connection?.disconnect();
    this.connection = undefined;
    this.wake?.();
    const loop = this.loop;
    this.loop = undefined;
    await loop;
  }

  /**
   * Forgets what was read for `stream` and not yet taken: its consumer is about to read its whole
   * pending list (`0`), which holds those entries too.
   */
  clear(stream: string): void {
    const subscription = this.subscriptions.get(stream);
    if (subscription) subscription.queue.length = 0;
  }

  /** Up to a batch of `stream`'s next entries; none after `timeoutMs` without any. */
  take(stream: string, timeoutMs: number): Promise<RawEntry[]> {
    const subscription = this.subscriptions.get(stream);
    if (!subscription) return Promise.resolve([]);
    if (subscription.error !== undefined) {
      const error = subscription.error;
      subscription.error = undefined;
      this.wake?.();
      return Promise.reject(error);
    }
    if (subscription.queue.length > 0) {
      const entries = subscription.queue.splice(0, subscription.batchSize);
      this.wake?.();
      return Promise.resolve(entries);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        subscription.waiter = undefined;
        resolve([]);
      }, timeoutMs);
      // the stream is in the reads already (its queue is empty): nothing to wake
      subscription.waiter = { resolve, reject, timer };
    });
  }

  private async run(): Promise<void> {
    const prefix = this.redis.options.keyPrefix ?? '';
    while (this.subscriptions.size > 0 && this.connection) {
      const connection = this.connection;
      const streams = [...this.subscriptions].filter(
        ([, subscription]) => subscription.error === undefined && subscription.queue.length < subscription.batchSize,
      );
      if (streams.length === 0) {
        await this.pause(undefined);
        continue;
      }
      const names = streams.map(([stream]) => stream);
      const count = Math.max(...streams.map(([, subscription]) => subscription.batchSize));
      // a stream subscribed while a read blocks joins the next read: after at most `blockMs`
      const block = streams.length < this.subscriptions.size ? REJOIN_BLOCK_MS : this.blockMs;
      try {
        const args: Array<string | number> = ['GROUP', this.group, this.consumer, 'COUNT', count, 'BLOCK', block, 'STREAMS', ...names, ...names.map(() => '>')];
        const result = (await (connection.xreadgroup as (...a: Array<string | number>) => Promise<unknown>)(...args)) as Array<[string, RawEntry[]]> | null;
        this.failures = 0;
        for (const [key, entries] of result ?? []) {
          const subscription = this.subscriptions.get(key.startsWith(prefix) ? key.slice(prefix.length) : key);
          // a stream unsubscribed while the read was under way: its entries stay pending in the group
          if (!subscription) continue;
          subscription.queue.push(...entries);
          this.deliver(subscription);
        }
      } catch (error) {
        if (this.connection !== connection || this.subscriptions.size === 0) break;
        // a group missing on one stream fails the whole read: the error names that stream's key
        const message = String((error as Error).message);
        const named = names.filter((stream) => message.includes(`'${prefix}${stream}'`));
        for (const stream of named.length > 0 ? named : names) this.fail(stream, error);
        if (named.length === 0) {
          // Redis itself is in trouble: the consumers back off on their side, and so does the reader
          this.failures += 1;
          await this.pause(Math.min(100 * 2 ** this.failures, 5000));
        }
      }
    }
  }

  /** Waits `ms` (for ever when undefined), or less when woken: a stream to read, or the last one gone. */
  private pause(ms: number | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      const reader = this;
      function done() {
        clearTimeout(timer);
        reader.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }

  private deliver(subscription: Subscription): void {
    const waiter = subscription.waiter;
    if (!waiter || subscription.queue.length === 0) return;
    subscription.waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.resolve(subscription.queue.splice(0, subscription.batchSize));
  }

  private fail(stream: string, error: unknown): void {
    const subscription = this.subscriptions.get(stream);
    if (!subscription) return;
    const waiter = subscription.waiter;
    if (waiter) {
      subscription.waiter = undefined;
      clearTimeout(waiter.timer);
      waiter.reject(error);
    } else {
      subscription.error = error;
    }
  }
}
