import { AppError } from '@exchange/platform';
import { CASH_ASSET, type Market } from '@exchange/contracts';
import { formatCents, formatShares, type MarketDefaults } from '../domain/market-terms.js';
import type { LimitsStore } from '../store/limits-store.js';
import type { MarketsStore, StoredMarket } from '../store/markets-store.js';
import type { OrderFlowStore } from '../store/order-flow-store.js';
import type { RiskCache } from './risk-cache.js';

/** The defaults of new markets and of every user without limits of their own. */
export interface RiskDefaults extends MarketDefaults {
  maxOpenOrders: number;
  maxOrdersPerMinute: number;
}

/** What the risk-manager's use-cases need. */
export interface RiskDeps {
  markets: MarketsStore;
  limits: LimitsStore;
  orderFlow: OrderFlowStore;
  /** markets and limits in memory, for the checks; every write tells it */
  cache: RiskCache;
  defaults: RiskDefaults;
  /** milliseconds since the epoch; the order-rate windows follow it */
  now: () => number;
}

export function toMarket(market: StoredMarket): Market {
  return {
    symbol: market.symbol,
    name: market.name,
    baseAsset: market.symbol,
    quoteAsset: CASH_ASSET,
    tickSize: formatCents(market.tickSizeCents),
    lotSize: formatShares(market.lotSize),
    referencePrice: formatCents(market.referencePriceCents),
    status: market.status,
    makerFeeBps: market.makerFeeBps,
    takerFeeBps: market.takerFeeBps,
    minQuantity: formatShares(market.minQuantity),
    maxQuantity: formatShares(market.maxQuantity),
    maxNotional: formatCents(market.maxNotionalCents),
    priceCollarBps: market.priceCollarBps,
    createdAt: market.createdAt.toISOString(),
    updatedAt: market.updatedAt.toISOString(),
  };
}

export function unknownSymbol(symbol: string): AppError {
  return new AppError('UNKNOWN_SYMBOL', `There is no market ${symbol}`, { symbol });
}
