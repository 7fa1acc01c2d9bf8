import { context, prefixedChannel, restoreTraceContext, SpanKind, trace, unprefixedChannel, type Logger, type Redis } from '@exchange/platform';
import { type MarketDataMessage, marketDataMessageSchema, type UserMessage, userMessageSchema } from '@exchange/contracts';

type LiveMessage = MarketDataMessage | UserMessage;
type Listener = (message: LiveMessage) => void;

/** The schema of a channel's messages: `md:{SYMBOL}` market data, `user:{USER_ID}` a user's own. */
function schemaOf(channel: string) {
  return channel.startsWith('user:') ? userMessageSchema : marketDataMessageSchema;
}

/** One subscribed channel: its listeners, and the SUBSCRIBE every listener waits for. */
interface Channel {
  listeners: Set<Listener>;
  ready: Promise<void>;
}

const tracer = trace.getTracer('@exchange/client-gateway/live');

/**
 * This gateway's one Redis subscriber connection: a pub/sub channel is subscribed while at least
 * one of this gateway's WebSocket clients listens to it, and each message is parsed once and handed
 * to every listener. Every gateway instance does the same for its own clients (fan-out by Redis).
 * A message that carries a `traceparent` gets a "ws push" span in its trace.
 */
export class LiveHub {
  private readonly subscriber: Redis;
  private readonly channels = new Map<string, Channel>();

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
  ) {
    this.subscriber = redis.duplicate();
    this.subscriber.on('error', (error) => logger.warn({ err: error }, 'live subscriber connection trouble'));
    this.subscriber.on('message', (channel: string, text: string) => this.dispatch(unprefixedChannel(redis, channel), text));
  }

  /**
   * Listens to `channel` (unprefixed) until the returned function is called. Resolves once Redis
   * confirmed the subscription; if it could not, the channel is forgotten (the next listener tries
   * again) and the error is thrown.
   */
  listen(channel: `md:${string}`, listener: (message: MarketDataMessage) => void): Promise<() => Promise<void>>;
  listen(channel: `user:${string}`, listener: (message: UserMessage) => void): Promise<() => Promise<void>>;
  async listen(channel: string, typedListener: (message: never) => void): Promise<() => Promise<void>> {
    // one listener type per channel: the channel's schema (schemaOf) decides what reaches it
    const listener = typedListener as Listener;
    let entry = this.channels.get(channel);
    if (!entry) {
      const created: Channel = { listeners: new Set(), ready: Promise.resolve() };
      created.ready = this.subscriber.subscribe(prefixedChannel(this.redis, channel)).then(
        () => undefined,
        (error: unknown) => {
          if (this.channels.get(channel) === created) this.channels.delete(channel);
          throw error;
        },
      );
      this.channels.set(channel, created);
      entry = created;
    }
    // counted at once, so a listener leaving meanwhile does not unsubscribe the channel under it
    entry.listeners.add(listener);
    try {
      await entry.ready;
    } catch (error) {
      entry.listeners.delete(listener);
      throw error;
    }
    const subscribed = entry;
    return async () => {
      if (!subscribed.listeners.delete(listener) || subscribed.listeners.size > 0) return;
      if (this.channels.get(channel) !== subscribed) return;
      this.channels.delete(channel);
      await this.subscriber.unsubscribe(prefixedChannel(this.redis, channel)).catch(() => {});
    };
  }

  async close(): Promise<void> {
    this.channels.clear();
    this.subscriber.disconnect();
  }

  private dispatch(channel: string, text: string): void {
    const listeners = this.channels.get(channel)?.listeners;
    if (!listeners || listeners.size === 0) return;
    let parsed: ReturnType<ReturnType<typeof schemaOf>['safeParse']> | undefined;
    try {
      parsed = schemaOf(channel).safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) {
      this.logger.warn({ channel }, 'a live message outside its contract was dropped');
      return;
    }
    const message: LiveMessage = parsed.data;
    const traceparent = message.traceparent ?? '';
    const span = traceparent
      ? tracer.startSpan(
          `ws push ${channel} ${String(message.type)}`,
          { kind: SpanKind.PRODUCER, attributes: { 'messaging.destination.name': channel, 'exchange.recipients': listeners.size } },
          restoreTraceContext({ traceparent, tracestate: '' }),
        )
      : undefined;
    const run = () => {
      for (const listener of listeners) {
        try {
          listener(message);
        } catch (error) {
          this.logger.warn({ err: error, channel }, 'a live listener failed');
        }
      }
    };
    if (span) context.with(trace.setSpan(context.active(), span), run);
    else run();
    span?.end();
  }
}
