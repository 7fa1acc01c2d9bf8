import { createConsumerGroup, prefixedChannel, trackConsumerGroup, type Logger, type Redis } from '@exchange/platform';
import { engineBookChannel, engineBookKey, ordersStream, type EngineBookState } from '@exchange/contracts';
import { parseEntry, type Inbound } from './commands.js';
import { ENGINE_GROUP, type MatchingEngine } from './engine.js';

export { ENGINE_GROUP };

export interface LoopOptions {
  engine: MatchingEngine;
  redis: Redis;
  logger: Logger;
  symbols: readonly string[];
  consumer: string;
  batchSize: number;
}

type ReadResult = Array<[stream: string, entries: Array<[id: string, fields: string[]]>]> | null;

/**
 * Reads the owned `orders:{SYMBOL}` streams in batches (its own unacknowledged entries first, after a
 * restart), hands each batch to the engine, then acknowledges it and publishes the books' top levels.
 */
export class EngineLoop {
  private isRunning = false;
  private done: Promise<void> | undefined;
  private readonly reader: Redis;
  private readonly prefix: string;
  private readonly symbols: string[] = [];
  /** markets listed while running, taken on between batches */
  private readonly arriving: string[] = [];

  constructor(private readonly options: LoopOptions) {
    this.reader = options.redis.duplicate();
    this.reader.on('error', () => {});
    this.prefix = options.redis.options.keyPrefix ?? '';
    this.symbols.push(...options.symbols);
  }

  /** Owns one more symbol from the next batch on (its book is recovered first). */
  addSymbol(symbol: string): void {
    if (!this.symbols.includes(symbol) && !this.arriving.includes(symbol)) this.arriving.push(symbol);
  }

  private async takeOnArrivals(): Promise<void> {
    while (this.arriving.length > 0) {
      const symbol = this.arriving[0]!;
      await this.options.engine.addSymbol(symbol);
      await this.ensureGroup(symbol);
      trackConsumerGroup(this.options.redis, ordersStream(symbol), ENGINE_GROUP);
      this.options.engine.sequence.watch(ordersStream(symbol));
      this.symbols.push(symbol);
      this.arriving.shift();
      this.options.logger.info({ symbol }, 'now matching a new market');
    }
  }

  async start(): Promise<void> {
    for (const symbol of this.symbols) {
      await this.ensureGroup(symbol);
      // its backlog on /metrics, as every consumer's
      trackConsumerGroup(this.options.redis, ordersStream(symbol), ENGINE_GROUP);
      // a quiet market's last commands, if lost, are asked for too
      this.options.engine.sequence.watch(ordersStream(symbol));
    }
    this.isRunning = true;
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.isRunning = false;
    this.reader.disconnect();
    await this.done;
  }

  private async run(): Promise<void> {
    let from: '0' | '>' = '0';
    let troubles = 0;
    while (this.isRunning) {
      try {
        if (this.arriving.length > 0) {
          await this.takeOnArrivals();
          from = '0';
        }
        // asks for missing commands again when due, without holding up the markets' commands
        void this.options.engine.sequence.askAgainIfDue().catch(() => {});
        if (this.symbols.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          continue;
        }
        const batch = await this.read(from);
        if (from === '0' && batch.length === 0) {
          from = '>';
          continue;
        }
        const changed = await this.options.engine.process(batch, { prune: from === '>' });
        await this.acknowledge(batch);
        await this.publishBooks(changed);
        troubles = 0;
      } catch (error) {
        if (!this.isRunning) break;
        troubles += 1;
        if (String((error as Error).message).includes('NOGROUP')) {
          // Redis lost streams with their groups: each is made again, and what it held past the
          // engine's position is asked for again from the order-manager
          for (const symbol of this.symbols) await this.ensureGroup(symbol, true).catch(() => {});
        } else {
          this.options.logger.warn({ err: error }, 'matching engine batch failed; retrying');
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** troubles, 5000)));
        from = '0';
      }
    }
  }

  /**
   * The engine's group on a market's command stream; when it had to be made although the engine had
   * read that stream before (Redis lost it), the commands past the engine's position are asked for.
   */
  private async ensureGroup(symbol: string, lost = false): Promise<void> {
    const stream = ordersStream(symbol);
    if (!(await createConsumerGroup(this.options.redis, stream, ENGINE_GROUP))) return;
    if (lost) await this.options.engine.sequence.groupLost(stream);
    else await this.options.engine.sequence.askForMissed(stream);
  }

  private async read(from: '0' | '>'): Promise<Inbound[]> {
    const streams = this.symbols.map(ordersStream);
    const args: Array<string | number> = ['GROUP', ENGINE_GROUP, this.options.consumer, 'COUNT', this.options.batchSize];
    if (from === '>') args.push('BLOCK', 1000);
    args.push('STREAMS', ...streams, ...streams.map(() => from));
    const result = (await (this.reader.xreadgroup as (...a: Array<string | number>) => Promise<ReadResult>)(...args)) ?? [];
    const batch: Inbound[] = [];
    for (const [key, entries] of result) {
      const stream = key.startsWith(this.prefix) ? key.slice(this.prefix.length) : key;
      for (const [id, fields] of entries) if (fields) batch.push(parseEntry(stream, id, fields));
    }
    return batch;
  }

  private async acknowledge(batch: Inbound[]): Promise<void> {
    const byStream = new Map<string, string[]>();
    for (const inbound of batch) {
      const ids = byStream.get(inbound.stream);
      if (ids) ids.push(inbound.entryId);
      else byStream.set(inbound.stream, [inbound.entryId]);
    }
    for (const [stream, ids] of byStream) await this.options.redis.xack(stream, ENGINE_GROUP, ...ids);
  }

  /**
   * The "order book state" in Redis, for market data and risk: the top levels of each changed
   * book, kept at `book:{SYMBOL}` and announced on `engine-book:{SYMBOL}` (with the trace of the
   * command that changed it last), so market data can turn consecutive states into depth updates.
   */
  private async publishBooks(symbols: Set<string>): Promise<void> {
    const { engine, redis } = this.options;
    for (const symbol of symbols) {
      const book = engine.book(symbol);
      if (!book) continue;
      const state: EngineBookState = { symbol, ...book.depth(50), lastPrice: engine.lastPrice(symbol), traceparent: engine.lastTraceparent(symbol) };
      const json = JSON.stringify(state);
      await redis
        .multi()
        .set(engineBookKey(symbol), json)
        .publish(prefixedChannel(redis, engineBookChannel(symbol)), json)
        .exec();
    }
  }
}
