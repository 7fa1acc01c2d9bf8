import type { Pool, Transaction } from '@exchange/platform';
import { tickerSchema, type Market, type Ticker } from '@exchange/contracts';
import type { z } from 'zod';
import { changePercent } from '../domain/ticker-math.js';
import { usd } from '../domain/units.js';
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
  const window = await deps.trades.window(db, symbol, new Date(Date.now() - DAY_MS));
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
  const book = await deps.books.book(market, 1);
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
