import { createExchangeClient, ExchangeApiError, type ExchangeClient, formatUnits, type Market, parseUnits, CASH_SCALE } from '@exchange/client';
import { type ApiKeyCredentials, apiKeySigner } from '@exchange/client/signing';

/**
 * A market maker in a few lines of the SDK: it keeps a bid and an ask around the market's middle
 * price (the best bid and ask when both exist, else the last trade, else the market's reference
 * price), and when the middle moves it amends by cancel — cancels its quotes and places new ones.
 * Every request is signed with an API key that has the `read` and `trade` scopes.
 */
export interface MarketMakerOptions {
  /** the exchange's gateway, e.g. http://127.0.0.1:8347 */
  baseUrl: string;
  credentials: ApiKeyCredentials;
  symbol: string;
  /** half the spread, in ticks of the market (default 5) */
  halfSpreadTicks?: number;
  /** shares per quote, in lots of the market (default 1) */
  lots?: number;
  /** how often the quotes are looked at again (default 2 s) */
  refreshMs?: number;
  /** stop after this many rounds (default: until `signal` aborts) */
  rounds?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** extra headers on every request (an X-Forwarded-For behind a trusted proxy, a User-Agent) */
  headers?: Record<string, string>;
}

export interface MarketMakerResult {
  placed: number;
  canceled: number;
  rounds: number;
}

/** Runs the bot; on the way out (rounds done, or aborted) it cancels the quotes it still has. */
export async function runMarketMaker(options: MarketMakerOptions): Promise<MarketMakerResult> {
  const exchange = createExchangeClient({ baseUrl: options.baseUrl, signer: apiKeySigner(options.credentials), headers: options.headers });
  const log = options.log ?? (() => {});
  const { market } = await exchange.market({ params: { symbol: options.symbol } });
  const tick = parseUnits(market.tickSize, CASH_SCALE)!;
  const halfSpread = tick * BigInt(options.halfSpreadTicks ?? 5);
  const quantity = (BigInt(market.lotSize) * BigInt(options.lots ?? 1)).toString();
  const result: MarketMakerResult = { placed: 0, canceled: 0, rounds: 0 };
  let quotes: { mid: bigint; ids: string[] } | undefined;

  const cancelQuotes = async () => {
    for (const id of quotes?.ids ?? []) {
      try {
        await exchange.cancelOrder({ params: { id } });
        result.canceled += 1;
      } catch (error) {
        // filled or canceled already: nothing left to take back
        if (!(error instanceof ExchangeApiError && (error.code === 'ORDER_NOT_OPEN' || error.code === 'ORDER_NOT_FOUND'))) throw error;
      }
    }
    quotes = undefined;
  };

  try {
    while (!options.signal?.aborted && (options.rounds === undefined || result.rounds < options.rounds)) {
      result.rounds += 1;
      const mid = await middle(exchange, market, tick);
      if (quotes?.mid !== mid) {
        await cancelQuotes();
        const ids: string[] = [];
        for (const [side, price] of [
          ['BUY', mid - halfSpread],
          ['SELL', mid + halfSpread],
        ] as const) {
          if (price <= 0n) continue;
          const { order } = await exchange.placeOrder({
            body: { symbol: options.symbol, side, type: 'LIMIT', timeInForce: 'GTC', price: formatUnits(price, CASH_SCALE), quantity },
          });
          ids.push(order.id);
          result.placed += 1;
        }
        quotes = { mid, ids };
        log(`${options.symbol}: quoting ${formatUnits(mid - halfSpread, CASH_SCALE)} / ${formatUnits(mid + halfSpread, CASH_SCALE)} × ${quantity}`);
      }
      await pause(options.refreshMs ?? 2000, options.signal);
    }
  } finally {
    await cancelQuotes();
  }
  return result;
}

/** The middle price in cents, on the tick grid. */
async function middle(exchange: ExchangeClient, market: Pick<Market, 'symbol' | 'referencePrice'>, tick: bigint): Promise<bigint> {
  const book = await exchange.book({ params: { symbol: market.symbol }, query: { depth: 1 } });
  const bid = book.bids[0]?.[0];
  const ask = book.asks[0]?.[0];
  let mid: bigint;
  if (bid && ask) mid = (parseUnits(bid, CASH_SCALE)! + parseUnits(ask, CASH_SCALE)!) / 2n;
  else {
    const ticker = await exchange.ticker({ params: { symbol: market.symbol } });
    mid = parseUnits(ticker.last ?? market.referencePrice, CASH_SCALE)!;
  }
  return (mid / tick) * tick;
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
