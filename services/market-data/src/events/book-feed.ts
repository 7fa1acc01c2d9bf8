import { context, prefixedChannel, restoreTraceContext, unprefixedChannel, withSpan, type Logger, type Redis } from '@exchange/platform';
import { engineBookChannel, engineBookKey, engineBookStateSchema, type Book, type EngineBookState, type Market } from '@exchange/contracts';
import { HeldBooks } from '../app/held-books.js';
import type { BookSource } from '../app/market-data-deps.js';
import { unitsOf } from '../domain/units.js';
import type { MarketDataPublisher } from './market-data-publisher.js';

const CHANNEL_PREFIX = engineBookChannel('');

/** `*`, `?`, `[` and `\` of a key prefix match literally in a PSUBSCRIBE pattern. */
const globLiteral = (text: string) => text.replace(/[*?[\]\\]/g, '\\$&');

/**
 * Follows the engine's book states: `book:{SYMBOL}` read once per market, then every state
 * announced on `engine-book:{SYMBOL}` (one PSUBSCRIBE on a connection of its own, prefixed like the
 * engine's PUBLISH). Each newer state is held and its depth update published on `md:{SYMBOL}` in
 * the trace of the engine's batch that made it. After a lost connection the kept states are read
 * again, so announcements missed meanwhile still become one update.
 */
export class BookFeed implements BookSource {
  private readonly held = new HeldBooks();
  private readonly loading = new Map<string, Promise<void>>();
  private readonly subscriber: Redis;
  private hasBeenReady = false;
  private isStopped = false;

  constructor(private readonly options: { redis: Redis; logger: Logger; publisher: MarketDataPublisher }) {
    this.subscriber = options.redis.duplicate();
    this.subscriber.on('error', () => {});
  }

  /** Subscribes; call before reading any kept state, so nothing announced in between is missed. */
  async start(): Promise<void> {
    const { redis } = this.options;
    this.subscriber.on('pmessage', (_pattern: string, channel: string, text: string) => this.onAnnouncement(unprefixedChannel(redis, channel), text));
    this.subscriber.on('ready', () => {
      if (this.hasBeenReady) void this.catchUp();
      this.hasBeenReady = true;
    });
    await this.subscriber.psubscribe(`${globLiteral(prefixedChannel(redis, CHANNEL_PREFIX))}*`);
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  /** Starts holding a market's book (once); resolves when its kept state has been read. */
  follow(market: Pick<Market, 'symbol' | 'tickSize' | 'lotSize'>): Promise<void> {
    let loading = this.loading.get(market.symbol);
    if (!loading) {
      this.held.follow(market.symbol, unitsOf(market));
      loading = this.load(market.symbol);
      this.loading.set(market.symbol, loading);
    }
    return loading;
  }

  /** The held book of a market, `depth` levels a side, valid at its `sequence`. */
  async book(market: Pick<Market, 'symbol' | 'tickSize' | 'lotSize'>, depth?: number): Promise<Book> {
    await this.follow(market);
    return this.held.book(market.symbol, depth)!;
  }

  private async load(symbol: string): Promise<void> {
    let text: string | null = null;
    for (let attempt = 1; ; attempt++) {
      if (this.isStopped) return;
      try {
        text = await this.options.redis.get(engineBookKey(symbol));
        break;
      } catch (error) {
        if (attempt % 10 === 1) this.options.logger.warn({ err: error, symbol }, 'cannot read the engine book yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 2000)));
      }
    }
    let state: EngineBookState | undefined;
    try {
      state = parseState(text);
    } catch (error) {
      // the next announcement brings a good one
      this.options.logger.warn({ err: error, symbol }, 'the kept engine book is not valid; starting from an empty one');
    }
    this.held.load(symbol, state);
  }

  private async catchUp(): Promise<void> {
    for (const symbol of this.held.symbols()) {
      try {
        const state = parseState(await this.options.redis.get(engineBookKey(symbol)));
        if (state) this.apply(state);
      } catch (error) {
        this.options.logger.warn({ err: error, symbol }, 'reading the engine book after a reconnect failed');
      }
    }
  }

  private onAnnouncement(channel: string, text: string): void {
    let state: EngineBookState | undefined;
    try {
      state = parseState(text);
    } catch (error) {
      this.options.logger.warn({ err: error, channel }, 'an engine book announcement is not valid JSON; ignored');
      return;
    }
    // a market this process does not follow yet is read from book:{SYMBOL} once it is listed
    if (state && channel === engineBookChannel(state.symbol)) this.apply(state);
  }

  /** Synchronous up to the publish, so the updates leave in the order the states were held. */
  private apply(state: EngineBookState): void {
    const update = this.held.offer(state);
    if (!update) return;
    const parent = restoreTraceContext({ traceparent: state.traceparent ?? '' });
    void context.with(parent, () =>
      withSpan('depth update', () => this.options.publisher.publish(update), { 'exchange.symbol': update.symbol, 'exchange.sequence': update.sequence }),
    );
  }
}

function parseState(text: string | null): EngineBookState | undefined {
  if (!text) return undefined;
  const parsed = engineBookStateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`not an engine book state: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}
