import { context, readEvent, withSpan, type Context, type StreamEvent, type Transaction } from '@exchange/platform';
import { EXECUTION_EVENTS, type Market, type PublicTrade, type TradeExecution } from '@exchange/contracts';
import { candleUpdates, type TapeTrade } from '../domain/candle-buckets.js';
import { centsOf, sharesOf, unitsOf, usd, type MarketUnits } from '../domain/units.js';
import { refreshTicker } from './get-ticker.js';
import type { MarketDataDeps } from './market-data-deps.js';

interface RecordedTrade {
  trade: TapeTrade;
  /** the context of the event's consume span: the trade's own trace */
  context: Context;
}

/** The engine's `trade` (price in ticks, quantity in lots) as the tape keeps it. */
function tapeTradeOf(symbol: string, event: TradeExecution, units: MarketUnits): TapeTrade {
  const executedAt = new Date(event.executedAt ?? Number.NaN);
  if (Number.isNaN(executedAt.getTime())) throw new Error(`trade ${event.tradeId} of ${symbol} carries no time`);
  return {
    symbol,
    tradeId: event.tradeId,
    sequence: event.sequence,
    priceCents: centsOf(event.price, units),
    quantity: sharesOf(event.quantity, units),
    takerSide: event.takerSide,
    executedAt,
  };
}

export const publicTradeOf = (trade: TapeTrade): PublicTrade => ({
  id: `${trade.symbol}:${trade.tradeId}`,
  price: usd(trade.priceCents),
  quantity: trade.quantity.toString(),
  takerSide: trade.takerSide,
  executedAt: trade.executedAt.toISOString(),
});

/**
 * Applies the events of one read of `executions:{SYMBOL}` inside the consumer's transaction (which
 * also records them as processed): each trade goes on the tape (a trade id already there is not
 * counted again), the candles of the four intervals take the new trades in, and the ticker is
 * computed afresh. Then the trades, the changed candles and the ticker are published on
 * `md:{SYMBOL}`, each in the trace of the trade it comes from. Other events do not change market
 * data: the book comes from the engine's book states.
 */
export async function recordTrades(deps: MarketDataDeps, market: Market, events: StreamEvent[], client: Transaction): Promise<void> {
  const units = unitsOf(market);
  const recorded: RecordedTrade[] = [];
  for (const event of events) {
    const execution = readEvent(EXECUTION_EVENTS, event);
    if (execution.type !== 'trade') continue;
    const eventContext = event.context ?? context.active();
    const trade = tapeTradeOf(market.symbol, execution.data, units);
    const isNew = await context.with(eventContext, () =>
      withSpan('trade recording', () => deps.trades.insert(client, trade), { 'exchange.symbol': market.symbol, 'exchange.trade_id': trade.tradeId }),
    );
    if (isNew) recorded.push({ trade, context: eventContext });
  }
  if (recorded.length === 0) return;

  const latest = recorded.at(-1)!.context;
  const candles = await context.with(latest, () =>
    withSpan('candle update', () => deps.candles.merge(client, market.symbol, candleUpdates(recorded.map(({ trade }) => trade)))),
  );

  // Issued once the transaction committed (never announcing what could still roll back), in order
  // on one connection, so subscribers hear the trades in tape order: the trades and candles first,
  // then the ticker, computed from the committed tape outside the transaction so it does not delay
  // the trades. Pub/sub is lossy fan-out: a client re-syncs from the routes.
  const { publisher } = deps;
  const announce = async () => {
    await Promise.all([
      ...recorded.map(({ trade, context: tradeContext }) =>
        context.with(tradeContext, () => publisher.publish({ type: 'trade', symbol: market.symbol, trade: publicTradeOf(trade) })),
      ),
      ...candles.map(({ interval, candle }) => context.with(latest, () => publisher.publish({ type: 'candle', symbol: market.symbol, interval, candle }))),
    ]);
    const ticker = await context.with(latest, () => withSpan('ticker update', () => refreshTicker(deps, market, deps.trades.db)));
    await context.with(latest, () => publisher.publish({ type: 'ticker', symbol: market.symbol, ticker }));
  };
  const lastEvent = events.at(-1)!;
  if (lastEvent.afterCommit) lastEvent.afterCommit(announce);
  else await announce();
}
