import type { WebSocket, RawData } from 'ws';
import { AppError, type ContractClient, type Logger } from '@exchange/platform';
import {
  API_KEY_STREAM_REQUEST,
  CANDLE_INTERVALS,
  EMPTY_BODY_SHA256,
  type CandleInterval,
  type MARKET_DATA_API,
  type MarketDataMessage,
  marketDataChannel,
  type StreamServerFrame,
  streamClientMessageSchema,
  userChannel,
} from '@exchange/contracts';
import type { ApiKeyVerifier } from '../auth/api-key-verifier.js';
import type { AuthenticatedUser, TokenVerifier } from '../auth/token-verifier.js';
import type { LiveHub } from './live-hub.js';

export interface StreamLimits {
  /** channels one connection may listen to at once */
  maxSubscriptions: number;
  /** a client whose unsent data passes this is disconnected instead of growing the server's memory */
  maxBufferedBytes: number;
}

export interface StreamDeps {
  hub: LiveHub;
  marketData: ContractClient<typeof MARKET_DATA_API>;
  verifier: TokenVerifier;
  apiKeys: ApiKeyVerifier;
  /** the client's address (an API key's allow-list is checked against it) */
  ip: string;
  logger: Logger;
  limits: StreamLimits;
  onSlowClient(): void;
}

const SYMBOL = '[A-Z][A-Z0-9.]{0,11}';
const CHANNEL_PATTERNS: Array<[RegExp, ChannelKind]> = [
  [new RegExp(`^book:(${SYMBOL})$`), 'book'],
  [new RegExp(`^trades:(${SYMBOL})$`), 'trades'],
  [new RegExp(`^ticker:(${SYMBOL})$`), 'ticker'],
  [new RegExp(`^candles:(${SYMBOL}):(${CANDLE_INTERVALS.join('|')})$`), 'candles'],
  [/^user$/, 'user'],
];
type ChannelKind = 'book' | 'trades' | 'ticker' | 'candles' | 'user';

type Frame = StreamServerFrame;

/** The close code of a session whose access token expired (4000–4999: the application's own). */
export const SESSION_EXPIRED_CLOSE_CODE = 4401;

/**
 * One WebSocket client of `GET /v1/stream`: its identity (a token in the query or an `auth`
 * message), its subscriptions, and what it is sent. A bad message gets an error frame and the
 * connection stays; a client too slow to read is disconnected.
 */
export class StreamSession {
  private readonly subscriptions = new Map<string, () => Promise<void>>();
  private isClosed = false;
  /** ends the session when the access token it was authenticated with expires */
  private expiry: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly deps: StreamDeps,
    private user?: AuthenticatedUser,
  ) {}

  async handle(raw: RawData): Promise<void> {
    if (this.isClosed) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString());
    } catch {
      return this.error('VALIDATION_FAILED', 'Messages are JSON objects such as {"op":"subscribe","channels":["book:AAPL"]}');
    }
    const message = streamClientMessageSchema.safeParse(parsed);
    if (!message.success) return this.error('VALIDATION_FAILED', `Not a message this stream understands: ${message.error.issues[0]?.message ?? 'invalid'}`);
    const body = message.data;
    if (body.op === 'ping') return this.send({ type: 'pong' });
    if (body.op === 'auth') return this.authenticate(body);
    if (body.op === 'unsubscribe') {
      for (const channel of body.channels) await this.unsubscribe(channel);
      return;
    }
    for (const channel of body.channels) await this.subscribe(channel);
  }

  async close(): Promise<void> {
    this.isClosed = true;
    clearTimeout(this.expiry);
    const stops = [...this.subscriptions.values()];
    this.subscriptions.clear();
    await Promise.all(stops.map((stop) => stop()));
  }

  /** Signs the session in with an access token, or with an API key's signature of `GET /v1/stream`. */
  async authenticate(credentials: { token?: string | undefined; apiKey?: { id: string; timestamp: string; signature: string } | undefined }): Promise<void> {
    try {
      const { token, apiKey } = credentials;
      if ((token === undefined) === (apiKey === undefined)) throw new AppError('VALIDATION_FAILED', 'Send either a token or an apiKey signature to sign in');
      const user = apiKey
        ? await this.deps.apiKeys.verify({
            keyId: apiKey.id,
            timestamp: apiKey.timestamp,
            signature: apiKey.signature,
            ...API_KEY_STREAM_REQUEST,
            query: '',
            bodySha256: EMPTY_BODY_SHA256,
            ip: this.deps.ip,
            scope: 'read',
          })
        : await this.deps.verifier.verify(`Bearer ${token}`);
      if (this.user && this.user.id !== user.id) {
        // another identity: the previous one's private channel is not this one's to hear
        const stop = this.subscriptions.get('user');
        this.subscriptions.delete('user');
        await stop?.();
      }
      this.user = user;
      this.expireAt(user.expiresAtMs);
      this.send({ type: 'authenticated', userId: this.user.id, expiresAt: new Date(user.expiresAtMs).toISOString() });
    } catch (error) {
      const code = error instanceof AppError ? error.code : 'UNAUTHENTICATED';
      this.error(code, error instanceof AppError ? error.message : 'The access token is invalid');
    }
  }

  /**
   * A signed-in session lives as long as its access token: when the token expires, the session
   * ends (close code 4401) unless the client sent a fresh token (`auth`) on the open socket before.
   */
  private expireAt(expiresAtMs: number): void {
    clearTimeout(this.expiry);
    const delay = Math.max(0, expiresAtMs - Date.now());
    // setTimeout holds at most ~24.8 days; a token lives far less
    this.expiry = setTimeout(
      () => {
        if (this.isClosed) return;
        this.error('UNAUTHENTICATED', 'The access token has expired: reconnect, or send {"op":"auth","token":"…"} with a fresh one before it expires');
        this.socket.close(SESSION_EXPIRED_CLOSE_CODE, 'access token expired');
      },
      Math.min(delay, 2 ** 31 - 1),
    );
    this.expiry.unref();
  }

  private async subscribe(channel: string): Promise<void> {
    if (this.isClosed || this.subscriptions.has(channel)) return;
    const match = CHANNEL_PATTERNS.map(([pattern, kind]) => [pattern.exec(channel), kind] as const).find(([found]) => found);
    if (!match)
      return this.error('UNKNOWN_CHANNEL', `No channel "${channel}": book:SYMBOL, trades:SYMBOL, ticker:SYMBOL, candles:SYMBOL:INTERVAL or user`, channel);
    if (this.subscriptions.size >= this.deps.limits.maxSubscriptions) {
      return this.error('TOO_MANY_SUBSCRIPTIONS', `At most ${this.deps.limits.maxSubscriptions} channels per connection`, channel);
    }
    const [found, kind] = match;
    // reserved at once, so a second subscribe of the same channel while this one is set up is a no-op
    this.subscriptions.set(channel, async () => {});
    try {
      const stop =
        kind === 'user'
          ? await this.subscribeUser(channel)
          : await this.subscribeMarket(
              channel,
              kind,
              found![1]!,
              CANDLE_INTERVALS.find((interval) => interval === found![2]),
            );
      if (this.isClosed || !this.subscriptions.has(channel)) await stop();
      else this.subscriptions.set(channel, stop);
    } catch (error) {
      this.subscriptions.delete(channel);
      if (error instanceof AppError) return this.error(error.code, error.message, channel);
      this.deps.logger.warn({ err: error, channel }, 'subscribing failed');
      this.error('INTERNAL_ERROR', 'Subscribing failed', channel);
    }
  }

  private async unsubscribe(channel: string): Promise<void> {
    const stop = this.subscriptions.get(channel);
    this.subscriptions.delete(channel);
    await stop?.();
    this.send({ channel, type: 'unsubscribed' });
  }

  private async subscribeUser(channel: string): Promise<() => Promise<void>> {
    if (!this.user)
      throw new AppError('UNAUTHENTICATED', 'The user channel needs a signed-in client: connect with ?token= or send {"op":"auth","token":"…"} first');
    const stop = await this.deps.hub.listen(userChannel(this.user.id), (message) => {
      const { traceparent: _unused, ...data } = message;
      this.send({ channel, type: 'update', data });
    });
    this.send({ channel, type: 'subscribed' });
    return stop;
  }

  /**
   * A market channel: listen first and hold what arrives, then send the snapshot, then what was held
   * that is newer than it, then everything live. For the book this is the sequenced protocol: the
   * first update after a snapshot at S has firstSequence ≤ S + 1 ≤ sequence.
   */
  private async subscribeMarket(channel: string, kind: Exclude<ChannelKind, 'user'>, symbol: string, interval?: CandleInterval): Promise<() => Promise<void>> {
    const wanted = { book: 'depth', trades: 'trade', ticker: 'ticker', candles: 'candle' }[kind];
    const held: MarketDataMessage[] = [];
    let snapshotSequence: number | undefined;
    const forward = (message: MarketDataMessage) => {
      if (message.type === 'depth') {
        if (message.sequence <= snapshotSequence!) return;
        this.send({
          channel,
          type: 'update',
          firstSequence: message.firstSequence,
          sequence: message.sequence,
          data: { bids: message.bids, asks: message.asks },
        });
      } else if (message.type === 'trade') this.send({ channel, type: 'update', data: message.trade });
      else if (message.type === 'ticker') this.send({ channel, type: 'update', data: message.ticker });
      else this.send({ channel, type: 'update', data: message.candle });
    };
    const stop = await this.deps.hub.listen(marketDataChannel(symbol), (message) => {
      if (message.type !== wanted || (message.type === 'candle' && message.interval !== interval)) return;
      if (snapshotSequence === undefined) held.push(message);
      else forward(message);
    });
    try {
      const { marketData } = this.deps;
      const params = { symbol };
      if (kind === 'book') {
        const book = await marketData.book({ params, query: { depth: 50 } });
        snapshotSequence = book.sequence;
        this.send({ channel, type: 'snapshot', sequence: book.sequence, data: { bids: book.bids, asks: book.asks } });
      } else {
        if (kind === 'trades') this.send({ channel, type: 'snapshot', data: await marketData.trades({ params, query: { limit: 50 } }) });
        else if (kind === 'candles')
          this.send({ channel, type: 'snapshot', data: await marketData.candles({ params, query: { interval: interval!, limit: 200 } }) });
        else this.send({ channel, type: 'snapshot', data: await marketData.ticker({ params }) });
        snapshotSequence = -1;
      }
      for (const message of held.splice(0)) forward(message);
      return stop;
    } catch (error) {
      await stop();
      throw error;
    }
  }

  private error(code: string, message: string, channel?: string): void {
    this.send({ type: 'error', code, message, ...(channel ? { channel } : {}) });
  }

  private send(frame: Frame): void {
    if (this.isClosed || this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.deps.limits.maxBufferedBytes) {
      // it does not read what it is sent: stop, rather than keep its backlog in our memory
      this.deps.onSlowClient();
      this.isClosed = true;
      this.socket.close(1013, 'too slow: the client did not keep up with its subscriptions');
      setTimeout(() => this.socket.terminate(), 1000).unref();
      void this.close();
      return;
    }
    this.socket.send(JSON.stringify(frame));
  }
}
