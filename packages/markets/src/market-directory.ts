import type { Market, RISK_MANAGER_API } from '@exchange/contracts';
import type { ContractClient, Logger } from '@exchange/platform';

export interface MarketDirectoryOptions {
  /** the risk-manager's API, which owns the markets */
  risk: Pick<ContractClient<typeof RISK_MANAGER_API>, 'listMarkets'>;
  logger: Logger;
  /** how often the list is fetched again, to learn of new markets */
  refreshMs?: number;
}

/**
 * The markets as the risk-manager lists them, cached in this process. Tick size, lot size and the
 * symbol never change once a market exists, so a cached market is always right about them; its
 * status and limits may be a refresh behind (the risk-manager itself checks those on every order).
 * Listeners hear of every market as soon as it is first seen (again at each refresh while one of
 * them fails, so they must be idempotent), so a process can start consuming a new market's streams
 * without a restart.
 */
export class MarketDirectory {
  private readonly markets = new Map<string, Market>();
  private readonly listeners: Array<(market: Market) => void | Promise<void>> = [];
  /** markets a listener failed on (e.g. Redis was down): told again at every refresh until all succeed */
  private readonly untold = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private lastRefreshAt = 0;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly options: MarketDirectoryOptions) {}

  /** Fetches the list until it succeeds (the risk-manager may start after this process), then refreshes periodically. */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.refresh();
        break;
      } catch (error) {
        if (attempt % 10 === 1) this.options.logger.warn({ err: error }, 'cannot list the markets yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 1000)));
      }
    }
    this.timer = setInterval(() => {
      this.refresh().catch((error) => this.options.logger.warn({ err: error }, 'refreshing the markets failed'));
    }, this.options.refreshMs ?? 2000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  onNewMarket(listener: (market: Market) => void | Promise<void>): void {
    this.listeners.push(listener);
    for (const market of this.markets.values()) {
      void Promise.resolve()
        .then(() => listener(market))
        .catch((error) => {
          this.untold.add(market.symbol);
          this.options.logger.error({ err: error, symbol: market.symbol }, 'new market listener failed; trying again at the next refresh');
        });
    }
  }

  list(): Market[] {
    return [...this.markets.values()];
  }

  /**
   * The market, fetching the list again when the symbol is not known yet: a market listed a moment
   * ago is found (concurrent look-ups share one fetch, unless it began before they asked).
   */
  async get(symbol: string): Promise<Market | undefined> {
    const known = this.markets.get(symbol);
    if (known) return known;
    const askedAt = Date.now();
    await this.refresh();
    if (!this.markets.has(symbol) && this.lastRefreshAt <= askedAt) await this.refresh();
    return this.markets.get(symbol);
  }

  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    this.lastRefreshAt = Date.now();
    const { items } = await this.options.risk.listMarkets({});
    for (const market of items) {
      const isNew = !this.markets.has(market.symbol);
      this.markets.set(market.symbol, market);
      if (!isNew && !this.untold.has(market.symbol)) continue;
      this.untold.delete(market.symbol);
      for (const listener of this.listeners) {
        await Promise.resolve(listener(market)).catch((error) => {
          this.untold.add(market.symbol);
          this.options.logger.error({ err: error, symbol: market.symbol }, 'new market listener failed; trying again at the next refresh');
        });
      }
    }
  }
}
