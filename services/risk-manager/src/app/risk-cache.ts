import { randomUUID } from 'node:crypto';
import type { RiskChange } from '@exchange/contracts';
import type { StoredLimits } from '../store/limits-store.js';
import type { StoredMarket } from '../store/markets-store.js';

/** How instances of the risk-manager tell each other what they changed (Redis pub/sub in production). */
export interface RiskChanges {
  publish(change: RiskChange): Promise<void>;
  /**
   * Hears the changes of every instance (its own included) until the returned function is called;
   * `onMissed` when changes may have been lost (the subscription was cut and made again)
   */
  subscribe(listener: (change: RiskChange) => void, onMissed: () => void): Promise<() => Promise<void>>;
}

interface Sources {
  markets: { list(): Promise<StoredMarket[]>; find(symbol: string): Promise<StoredMarket | undefined> };
  limits: { findMany(userIds: string[]): Promise<Map<string, StoredLimits>> };
}

export interface RiskCacheOptions {
  /** users whose limits are kept in memory at most (the least recently read are forgotten first) */
  maxUsers: number;
  /** every this many ms, everything kept is read again: a change message lost on the way is late, not missed (0: never) */
  refreshMs: number;
}

const DEFAULTS: RiskCacheOptions = { maxUsers: 100_000, refreshMs: 30_000 };

/**
 * The markets and users' limits a pre-trade check reads, kept in memory: a check reads no database.
 * Every write goes through this process's own stores and is applied here as soon as it commits;
 * other instances hear of it on `risk-changes` and read it again, so a halt or a kill switch applies
 * to the next order everywhere. A market or a user not seen yet is read once, in one query per batch.
 * Pub/sub may drop a message: everything kept is read again when the subscription was cut and made
 * again, and now and then besides.
 */
export class RiskCache {
  private readonly markets = new Map<string, StoredMarket>();
  /** null: the user has no limits of their own */
  private readonly limits = new Map<string, StoredLimits | null>();
  private unsubscribe: (() => Promise<void>) | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly options: RiskCacheOptions;
  /** this instance, so that it does not drop what it has just written itself */
  private readonly origin = randomUUID();

  constructor(
    private readonly sources: Sources,
    private readonly changes: RiskChanges,
    options: Partial<RiskCacheOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Loads every market and starts hearing the other instances' changes. */
  async start(): Promise<void> {
    this.unsubscribe = await this.changes.subscribe(
      (change) => {
        if (change.origin === this.origin) return;
        if (change.kind === 'market') this.markets.delete(change.symbol);
        else this.limits.delete(change.userId);
      },
      // changes may have been lost: everything kept is read again now, not at the next periodic reload
      () => void this.refresh().catch(() => {}),
    );
    for (const market of await this.sources.markets.list()) this.markets.set(market.symbol, market);
    if (this.options.refreshMs > 0) {
      this.refreshTimer = setInterval(() => void this.refresh().catch(() => {}), this.options.refreshMs);
      this.refreshTimer.unref();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.refreshTimer);
    await this.unsubscribe?.();
  }

  /** Reads every market again and forgets every user's limits (read again on their next order). */
  async refresh(): Promise<void> {
    const markets = await this.sources.markets.list();
    this.markets.clear();
    for (const market of markets) this.markets.set(market.symbol, market);
    this.limits.clear();
  }

  /** The markets of these symbols (an unknown symbol is not in the map). */
  async marketsOf(symbols: Iterable<string>): Promise<Map<string, StoredMarket>> {
    const found = new Map<string, StoredMarket>();
    for (const symbol of new Set(symbols)) {
      let market = this.markets.get(symbol);
      if (!market) {
        market = await this.sources.markets.find(symbol);
        if (market) this.markets.set(symbol, market);
      }
      if (market) found.set(symbol, market);
    }
    return found;
  }

  /** The own limits of these users (undefined: none of their own), reading the ones not kept in one query. */
  async limitsOf(userIds: Iterable<string>): Promise<Map<string, StoredLimits | undefined>> {
    const wanted = [...new Set(userIds)];
    const missing = wanted.filter((userId) => !this.limits.has(userId));
    if (missing.length > 0) {
      const read = await this.sources.limits.findMany(missing);
      for (const userId of missing) this.remember(userId, read.get(userId) ?? null);
    }
    return new Map(wanted.map((userId) => [userId, this.touch(userId) ?? undefined]));
  }

  /** A market this process just wrote: kept, and every other instance told. */
  async marketWritten(market: StoredMarket): Promise<void> {
    this.markets.set(market.symbol, market);
    await this.changes.publish({ kind: 'market', symbol: market.symbol, origin: this.origin });
  }

  /** A user's limits this process just wrote: kept, and every other instance told. */
  async limitsWritten(limits: StoredLimits): Promise<void> {
    this.remember(limits.userId, limits);
    await this.changes.publish({ kind: 'limits', userId: limits.userId, origin: this.origin });
  }

  private remember(userId: string, limits: StoredLimits | null): void {
    this.limits.delete(userId);
    this.limits.set(userId, limits);
    // a Map keeps insertion order: the first key is the least recently read
    while (this.limits.size > this.options.maxUsers) this.limits.delete(this.limits.keys().next().value!);
  }

  private touch(userId: string): StoredLimits | null | undefined {
    const limits = this.limits.get(userId);
    if (limits !== undefined) this.remember(userId, limits);
    return limits;
  }
}
