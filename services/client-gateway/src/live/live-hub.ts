import { context, prefixedChannel, restoreTraceContext, SpanKind, trace, unprefixedChannel, type Logger, type Redis } from '@exchange/platform';

type Listener = (message: Record<string, unknown>) => void;

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
  async listen(channel: string, listener: Listener): Promise<() => Promise<void>> {
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
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.logger.warn({ channel }, 'a live message that is not JSON was dropped');
      return;
    }
    const traceparent = typeof message.traceparent === 'string' ? message.traceparent : '';
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
