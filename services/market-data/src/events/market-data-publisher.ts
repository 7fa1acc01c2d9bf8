import { captureTraceContext, prefixedChannel, type Logger, type Redis } from '@exchange/platform';
import { marketDataChannel, type MarketDataMessage } from '@exchange/contracts';
import type { MarketDataAnnouncer } from '../app/market-data-deps.js';

/**
 * Publishes on `md:{SYMBOL}` (pub/sub: live fan-out that may be lost, a client re-syncs from a
 * snapshot) with the W3C trace context of the active span, so the gateway's push joins the trace.
 * A failed publish is logged, never thrown: the data it announces is already kept.
 */
export class MarketDataPublisher implements MarketDataAnnouncer {
  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
  ) {}

  async publish(message: MarketDataMessage): Promise<void> {
    const { traceparent } = captureTraceContext();
    const sent: MarketDataMessage = traceparent ? { ...message, traceparent } : message;
    try {
      await this.redis.publish(prefixedChannel(this.redis, marketDataChannel(message.symbol)), JSON.stringify(sent));
    } catch (error) {
      this.logger.warn({ err: error, symbol: message.symbol, type: message.type }, 'publishing market data failed');
    }
  }
}
