import { AppError, itemRefusal, refusalError, withSpan } from '@exchange/platform';
import type { BatchResult, RiskCheckRequest, RiskCheckResponse } from '@exchange/contracts';
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
import { toMarket, unknownSymbol, type RiskDeps } from './risk-deps.js';

/**
 * The "risk validation" of orders about to be placed, each answered on its own, in this order of
 * rules: market (exists, trading) → kill switch → tick and lot → min/max quantity → price collar (a
 * MARKET order gets its protection price) → notional → order rate. The rate counter is last, so
 * that it counts only orders every other rule let through. The user's open-order limit is answered,
 * not checked: the order manager owns the orders and enforces it atomically as it writes one.
 *
 * Markets and limits come from memory (RiskCache); the engine's last prices of every symbol of the
 * batch in one Redis round trip, and the rate counters of every order that got that far in one more.
 */
export async function checkOrders(deps: RiskDeps, orders: RiskCheckRequest[]): Promise<Array<BatchResult<RiskCheckResponse>>> {
  const results: Array<BatchResult<RiskCheckResponse> | undefined> = [];
  return withSpan(
    'risk validation',
    async (span) => {
      const refused = (index: number, error: AppError) => {
        results[index] = itemRefusal(error);
        // each refusal shows on the span: which order, which rule
        span.addEvent('refused', {
          'exchange.order.id': orders[index]!.orderId,
          'exchange.error.code': error.code,
          'exchange.risk.rule': String(error.details?.rule ?? ''),
        });
        if (orders.length === 1) span.setAttribute('exchange.error.code', error.code);
      };
      const [markets, limits, lastPrices] = await Promise.all([
        deps.cache.marketsOf(orders.map((order) => order.symbol)),
        deps.cache.limitsOf(orders.map((order) => order.userId)),
        deps.orderFlow.lastTradePricesTicks([...new Set(orders.map((order) => order.symbol))]),
      ]);
      /** the orders every rule but the rate let through, waiting for their count */
      const counted: Array<{ index: number; order: RiskCheckRequest; maxPerMinute: number; response: RiskCheckResponse }> = [];
      for (const [index, order] of orders.entries()) {
        try {
          const market = markets.get(order.symbol);
          if (!market) throw unknownSymbol(order.symbol);
          if (market.status !== 'TRADING') throw new AppError('MARKET_HALTED', `Trading in ${order.symbol} is halted`, { symbol: order.symbol });
          const own = limits.get(order.userId);
          checkKillSwitch(own?.killSwitch ?? false);
          const { priceCents, quantity } = orderAmounts(market, order);
          checkQuantity(market, quantity);
          const last = lastPrices.get(market.symbol);
          const referenceCents = last === undefined ? market.referencePriceCents : last * market.tickSizeCents;
          let worstPriceCents: bigint;
          if (priceCents !== undefined) {
            checkPriceCollar(priceCents, referenceCents, market);
            worstPriceCents = priceCents;
          } else {
            worstPriceCents = protectionPrice(order.side, collarRange(referenceCents, market.priceCollarBps, market.tickSizeCents));
          }
          checkNotional(worstPriceCents, quantity, market.maxNotionalCents, own?.maxNotionalCents ?? null);
          counted.push({
            index,
            order,
            maxPerMinute: own?.maxOrdersPerMinute ?? deps.defaults.maxOrdersPerMinute,
            response: {
              market: toMarket(market),
              maxOpenOrders: own?.maxOpenOrders ?? deps.defaults.maxOpenOrders,
              ...(priceCents === undefined ? { protectionPrice: formatCents(worstPriceCents) } : {}),
            },
          });
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          refused(index, error);
        }
      }
      const window = orderRateWindow(deps.now());
      const counts = await deps.orderFlow.countOrders(
        counted.map(({ order }) => order),
        window.index,
        ORDER_RATE_WINDOW_MS,
      );
      for (const [position, { index, maxPerMinute, response }] of counted.entries()) {
        try {
          checkOrderRate(counts[position]!, maxPerMinute, window.endsInMs);
          results[index] = { ok: true, value: response };
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          refused(index, error);
        }
      }
      return orders.map((_, index) => results[index]!);
    },
    orders.length === 1
      ? { 'exchange.batch.size': 1, 'exchange.symbol': orders[0]!.symbol, 'exchange.order.id': orders[0]!.orderId, 'exchange.user.id': orders[0]!.userId }
      : { 'exchange.batch.size': orders.length },
  );
}

/** One order's check: the batch of one, its refusal thrown as a single request's error. */
export async function checkOrder(deps: RiskDeps, order: RiskCheckRequest): Promise<RiskCheckResponse> {
  const [result] = await checkOrders(deps, [order]);
  if (!result!.ok) throw refusalError(result!);
  return result!.value;
}
