import { AppError, withSpan } from '@exchange/platform';
import type { RiskCheckRequest, RiskCheckResponse } from '@exchange/contracts';
import { formatCents } from '../domain/market-terms.js';
import {
  checkKillSwitch,
  checkNotional,
  checkOrderRate,
  checkPriceCollar,
  checkQuantity,
  collarRange,
  orderAmounts,
  orderRateWindow,
  ORDER_RATE_WINDOW_MS,
  protectionPrice,
} from '../domain/order-checks.js';
import type { StoredMarket } from '../store/markets-store.js';
import { toMarket, unknownSymbol, type RiskDeps } from './risk-deps.js';

/**
 * The "risk validation" of one order about to be placed, one span per rule, in this order:
 * market (exists, trading) → kill switch → tick and lot → min/max quantity → price collar (a MARKET
 * order gets its protection price) → notional → order rate. The rate counter is last, so that it
 * counts only orders every other rule let through. The user's open-order limit is answered, not
 * checked: the order manager owns the orders and enforces it atomically as it writes one.
 */
export async function checkOrder(deps: RiskDeps, order: RiskCheckRequest): Promise<RiskCheckResponse> {
  const attributes = { 'exchange.symbol': order.symbol, 'exchange.order.id': order.orderId, 'exchange.user.id': order.userId };
  return withSpan(
    'risk validation',
    async () => {
      const { market, limits } = await withSpan('risk check market', async () => {
        // one query for the market and the user's limits; read every time, so a halt applies at once
        const found = await deps.markets.findWithLimits(order.symbol, order.userId);
        if (!found) throw unknownSymbol(order.symbol);
        if (found.market.status !== 'TRADING') throw new AppError('MARKET_HALTED', `Trading in ${order.symbol} is halted`, { symbol: order.symbol });
        return found;
      });
      await withSpan('risk check kill switch', () => checkKillSwitch(limits?.killSwitch ?? false));
      const { priceCents, quantity } = await withSpan('risk check tick and lot', () => orderAmounts(market, order));
      await withSpan('risk check quantity', () => checkQuantity(market, quantity));
      const worstPriceCents = await withSpan('risk check price collar', async () => {
        const referenceCents = await referencePriceCents(deps, market);
        if (priceCents !== undefined) {
          checkPriceCollar(priceCents, referenceCents, market);
          return priceCents;
        }
        return protectionPrice(order.side, collarRange(referenceCents, market.priceCollarBps, market.tickSizeCents));
      });
      await withSpan('risk check notional', () => checkNotional(worstPriceCents, quantity, market.maxNotionalCents, limits?.maxNotionalCents ?? null));
      await withSpan('risk check order rate', async () => {
        const window = orderRateWindow(deps.now());
        const count = await deps.orderFlow.countOrder(order.userId, order.orderId, window.index, ORDER_RATE_WINDOW_MS);
        checkOrderRate(count, limits?.maxOrdersPerMinute ?? deps.defaults.maxOrdersPerMinute, window.endsInMs);
      });
      return {
        market: toMarket(market),
        maxOpenOrders: limits?.maxOpenOrders ?? deps.defaults.maxOpenOrders,
        ...(priceCents === undefined ? { protectionPrice: formatCents(worstPriceCents) } : {}),
      };
    },
    attributes,
  );
}

/** The last trade price the engine published, else the market's own reference price. */
async function referencePriceCents(deps: RiskDeps, market: StoredMarket): Promise<bigint> {
  const lastTicks = await deps.orderFlow.lastTradePriceTicks(market.symbol);
  return lastTicks === undefined ? market.referencePriceCents : lastTicks * market.tickSizeCents;
}
