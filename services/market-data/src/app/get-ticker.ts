import type { Pool, Transaction } from '@exchange/platform';
import { tickerSchema, type Book, type Market, type Ticker } from '@exchange/contracts';
import type { z } from 'zod';
import { changePercent } from '../domain/ticker-math.js';
import { usd } from '../domain/units.js';
import type { TapeWindow } from '../store/trade-store.js';
import type { MarketDataDeps } from './market-data-deps.js';
import { requireMarket } from './require-market.js';

const DAY_MS = 86_400_000;

/** The part of a ticker that comes from the tape, cached in Redis; best bid and ask come from the held book. */
const tapeStatsSchema = tickerSchema.omit({ symbol: true, bestBid: true, bestAsk: true });
type TapeStats = z.infer<typeof tapeStatsSchema>;

/** The cached stats, if any are there and readable (anything else is computed afresh). */
function cachedStats(text: string | null): TapeStats | undefined {
  if (!text) return undefined;
  try {
    const parsed = tapeStatsSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const cacheKey = (symbol: string) => `market-data:ticker:${symbol}`;
const price = (cents: bigint | undefined) => (cents === undefined ? null : usd(cents));

/** The last price, and open, high, low, volume and change over the 24 h up to now, from the tape. */
async function tapeStats(deps: MarketDataDeps, symbol: string, db: Pool | Transaction): Promise<TapeStats> {
  return statsOf(await deps.trades.window(db, symbol, new Date(Date.now() - DAY_MS)));
}

function statsOf(window: TapeWindow): TapeStats {
  return {
    last: price(window.lastCents),
    open24h: price(window.openCents),
    high24h: price(window.highCents),
    low24h: price(window.lowCents),
    volume24h: window.volume.toString(),
    changePct24h: window.openCents !== undefined && window.lastCents !== undefined ? changePercent(window.openCents, window.lastCents) : null,
  };
}

async function withBestPrices(deps: MarketDataDeps, market: Market, stats: TapeStats): Promise<Ticker> {
  return tickerOf(market, stats, await deps.books.book(market, 1));
}

function tickerOf(market: Market, stats: TapeStats, book: Book): Ticker {
  return {
    symbol: market.symbol,
    last: stats.last,
    bestBid: book.bids[0]?.[0] ?? null,
    bestAsk: book.asks[0]?.[0] ?? null,
    open24h: stats.open24h,
    high24h: stats.high24h,
    low24h: stats.low24h,
    volume24h: stats.volume24h,
    changePct24h: stats.changePct24h,
  };
}

/** The 24 h ticker. Its tape part is served from Redis for a short while (hot data); the best prices are always the held book's. */
export async function getTicker(deps: MarketDataDeps, symbol: string): Promise<Ticker> {
  const market = await requireMarket(deps, symbol);
  const cached = await deps.redis.get(cacheKey(symbol)).catch(() => null);
  let stats = cachedStats(cached);
  if (!stats) {
    stats = await tapeStats(deps, symbol, deps.trades.db);
    // NX: never replaces what the consumer just wrote after new trades, which is fresher than this read
    await deps.redis.set(cacheKey(symbol), JSON.stringify(stats), 'PX', deps.tickerCacheMs, 'NX').catch(() => undefined);
  }
  return withBestPrices(deps, market, stats);
}

/**
 * The ticker of every market this process knows, by symbol: the same answer as `getTicker` for each,
 * in one Redis MGET of the cached tape stats, one SQL query over the 24 h window of the markets not
 * cached (then cached, NX as in `getTicker`), and the best prices of the held books.
 */
export async function getTickers(deps: MarketDataDeps): Promise<Ticker[]> {
  const markets = deps.markets.list().sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  if (markets.length === 0) return [];
  // ioredis puts its key prefix on each MGET key, as on GET's
  const cached = await deps.redis.mget(markets.map((market) => cacheKey(market.symbol))).catch(() => markets.map(() => null));
  const stats = new Map<string, TapeStats>();
  markets.forEach((market, i) => {
    const found = cachedStats(cached[i] ?? null);
    if (found) stats.set(market.symbol, found);
  });
  const missing = markets.filter((market) => !stats.has(market.symbol)).map((market) => market.symbol);
  if (missing.length > 0) {
    const windows = await deps.trades.windows(deps.trades.db, missing, new Date(Date.now() - DAY_MS));
    const caching = deps.redis.pipeline();
    for (const symbol of missing) {
      const computed = statsOf(windows.get(symbol)!);
      stats.set(symbol, computed);
      caching.set(cacheKey(symbol), JSON.stringify(computed), 'PX', deps.tickerCacheMs, 'NX');
    }
    await caching.exec().catch(() => undefined);
  }
  return Promise.all(markets.map(async (market) => tickerOf(market, stats.get(market.symbol)!, await deps.books.book(market, 1))));
}

/**
 * After a batch of trades, inside the consumer's transaction (which sees them): the ticker computed
 * afresh, cached, and returned to be published.
 */
export async function refreshTicker(deps: MarketDataDeps, market: Market, client: Pool | Transaction): Promise<Ticker> {
  const stats = await tapeStats(deps, market.symbol, client);
  await deps.redis.set(cacheKey(market.symbol), JSON.stringify(stats), 'PX', deps.tickerCacheMs).catch((error: unknown) => {
    deps.logger.warn({ err: error, symbol: market.symbol }, 'caching the ticker failed');
  });
  return withBestPrices(deps, market, stats);
}
