export interface RetriesOptions {
  /** ms before the first retry; each later one waits twice as long, up to `maxDelayMs` */
  firstDelayMs: number;
  maxDelayMs: number;
  /** ms after which a key's retries stop (something slower takes over: a janitor, an operator) */
  giveUpAfterMs: number;
  /** told of every failed attempt (with the error, if one was thrown) and of giving up */
  onFailure?: (key: string, error: unknown, gaveUp: boolean) => void;
}

interface Entry {
  attempt: () => Promise<boolean>;
  startedAt: number;
  delayMs: number;
  timer?: NodeJS.Timeout;
  /** the attempt running now, which anyone asking for one joins */
  running?: Promise<boolean>;
}

/**
 * Work that failed and must be done again soon — a compensation whose dependency was briefly down:
 * each key is retried on its own, one attempt at a time, with exponential backoff (and jitter, so
 * keys that failed together do not retry in lockstep), until an attempt says it is done (`true`),
 * or until the key is given up on. Anyone waiting for a key's outcome can ask for an attempt at
 * once (`attemptNow`) instead of waiting for its timer.
 */
export class Retries {
  private readonly entries = new Map<string, Entry>();
  private stopped = false;

  constructor(private readonly options: RetriesOptions) {}

  /** Keys being retried. */
  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Retries `attempt` under `key` from now on; a key already retried keeps its own attempt. */
  schedule(key: string, attempt: () => Promise<boolean>): void {
    if (this.stopped || this.entries.has(key)) return;
    const entry: Entry = { attempt, startedAt: Date.now(), delayMs: this.options.firstDelayMs };
    this.entries.set(key, entry);
    this.arm(key, entry);
  }

  /**
   * Runs the key's attempt now (or joins the one running) and answers whether the work is done;
   * true for a key that is not being retried.
   */
  async attemptNow(key: string): Promise<boolean> {
    const entry = this.entries.get(key);
    if (!entry) return true;
    clearTimeout(entry.timer);
    return this.run(key, entry);
  }

  stop(): void {
    this.stopped = true;
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
  }

  private arm(key: string, entry: Entry): void {
    const jittered = entry.delayMs * (0.5 + Math.random() / 2);
    entry.timer = setTimeout(() => void this.run(key, entry), jittered);
    entry.timer.unref();
  }

  private run(key: string, entry: Entry): Promise<boolean> {
    entry.running ??= (async () => {
      let done = false;
      let failure: unknown;
      try {
        done = await entry.attempt();
      } catch (error) {
        failure = error;
      }
      entry.running = undefined;
      if (this.entries.get(key) !== entry) return done;
      if (done) {
        this.entries.delete(key);
        return true;
      }
      const gaveUp = Date.now() - entry.startedAt >= this.options.giveUpAfterMs;
      this.options.onFailure?.(key, failure, gaveUp);
      if (gaveUp || this.stopped) this.entries.delete(key);
      else {
        entry.delayMs = Math.min(this.options.maxDelayMs, entry.delayMs * 2);
        clearTimeout(entry.timer);
        this.arm(key, entry);
      }
      return false;
    })();
    return entry.running;
  }
}
