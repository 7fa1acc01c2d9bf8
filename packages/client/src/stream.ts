import {
  channelFrameSchema,
  channelKindOf,
  streamControlFrameSchema,
  type ChannelFrame,
  type ChannelKindOf,
  type StreamChannel,
  type StreamChannelKind,
  type StreamClientMessage,
} from '@exchange/contracts';

/** What a channel's handler hears: its data frames, its subscription starting or refused, and a lost connection. */
export type ChannelEvent<K extends StreamChannelKind> =
  | ChannelFrame<K>
  /** the server is listening for the channel now (a snapshot follows, for a channel that has them) */
  | { type: 'subscribed'; channel: string }
  /** the connection dropped: updates may have been missed; a snapshot comes again after reconnecting */
  | { type: 'disconnected'; channel: string }
  /** the server could not set the subscription up (retried unless the code says it never will work) */
  | { type: 'error'; channel: string; code: string; message: string };

/** The part of a WebSocket this client uses: the browser's, Node 22's, or undici's `WebSocket`. */
export interface WebSocketLike {
  readonly readyState: number;
  /** `message` events carry the frame's text in `data` */
  addEventListener(type: 'open' | 'close' | 'message' | 'error', listener: (event: object) => void): void;
  send(data: string): void;
  close(): void;
}
export type WebSocketFactory = new (url: string) => WebSocketLike;

export interface ExchangeStreamOptions {
  /** `ws://127.0.0.1:8347/v1/stream`; a function is read at every (re)connect */
  url: string | (() => string);
  /** a WebSocket implementation where there is no global one (Node 20: undici's) */
  WebSocket?: WebSocketFactory;
  /** a frame the client could not read (outside the contract): ignored, reported here */
  onInvalidFrame?: (text: string, reason: string) => void;
}

/** Refusals a retry cannot mend. */
const PERMANENT_ERRORS = new Set(['UNKNOWN_CHANNEL', 'UNKNOWN_SYMBOL', 'UNAUTHENTICATED', 'TOO_MANY_SUBSCRIPTIONS', 'VALIDATION_FAILED']);
const OPEN = 1;

type Handler = (event: ChannelEvent<StreamChannelKind>) => void;

/**
 * One WebSocket to `/v1/stream`: channels are reference-counted (several handlers share a
 * subscription), the connection reconnects with back-off and subscribes again (each channel starts
 * over with a snapshot), `user` is subscribed once the token is accepted, and every frame is parsed
 * by its channel's contract before a handler sees it.
 */
export class ExchangeStream {
  private socket: WebSocketLike | null = null;
  private readonly handlers = new Map<string, Set<Handler>>();
  private token: string | null = null;
  /** makes a fresh signed sign-in with an API key, used when there is no token */
  private apiKeySignIn: (() => { id: string; timestamp: string; signature: string }) | null = null;
  private authenticated = false;
  private retry = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = true;
  private readonly statusListeners = new Set<(open: boolean) => void>();
  /** channels to subscribe again once their unsubscribe is confirmed (a re-sync) */
  private readonly resubscribing = new Set<string>();
  /** failed subscribes per channel, for the back-off of their retries */
  private readonly failures = new Map<string, number>();

  constructor(private readonly options: ExchangeStreamOptions) {}

  start(): void {
    this.closed = false;
    this.connect();
  }

  stop(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.socket?.close();
    this.socket = null;
  }

  get isOpen(): boolean {
    return this.socket?.readyState === OPEN;
  }

  /** Whether the server accepted the token (the `user` channel is then live). */
  get isAuthenticated(): boolean {
    return this.authenticated;
  }

  onStatus(listener: (open: boolean) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Signs the connection in (`user` channel) or out; a new token re-authenticates the open connection. */
  setToken(token: string | null): void {
    if (token === this.token) return;
    const had = this.token;
    this.token = token;
    if (!this.isOpen) return;
    if (token) this.sendAuth();
    else if (had) this.socket?.close(); // signed out: the server keeps the old identity, so start afresh
  }

  /**
   * Signs the connection in with an API key (`streamSignIn(...)` from `@exchange/client/signing`),
   * again at each reconnect with a fresh signature; null signs out.
   */
  setApiKey(signIn: (() => { id: string; timestamp: string; signature: string }) | null): void {
    const had = this.apiKeySignIn;
    this.apiKeySignIn = signIn;
    if (!this.isOpen) return;
    if (signIn) this.sendAuth();
    else if (had) this.socket?.close();
  }

  /** Hears a channel until the returned function is called. */
  subscribe<C extends StreamChannel>(channel: C, handler: (event: ChannelEvent<ChannelKindOf<C>>) => void): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      if (this.isOpen && (channel !== 'user' || this.authenticated)) this.send({ op: 'subscribe', channels: [channel] });
    }
    const listener = handler as Handler;
    set.add(listener);
    return () => {
      const handlers = this.handlers.get(channel);
      if (!handlers) return;
      handlers.delete(listener);
      if (handlers.size === 0) {
        this.handlers.delete(channel);
        if (this.isOpen) this.send({ op: 'unsubscribe', channels: [channel] });
      }
    };
  }

  /** Asks for a fresh snapshot of a channel (unsubscribe, then subscribe once confirmed): after a gap in a book. */
  resubscribe(channel: StreamChannel): void {
    if (!this.isOpen || !this.handlers.has(channel) || this.resubscribing.has(channel)) return;
    this.resubscribing.add(channel);
    this.send({ op: 'unsubscribe', channels: [channel] });
  }

  private connect(): void {
    if (this.closed) return;
    const Socket = this.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketFactory }).WebSocket;
    if (!Socket) throw new Error('no WebSocket here: pass one (undici exports one for Node 20)');
    const url = typeof this.options.url === 'function' ? this.options.url() : this.options.url;
    const socket = new Socket(url);
    this.socket = socket;
    this.authenticated = false;
    socket.addEventListener('open', () => {
      this.retry = 0;
      this.resubscribing.clear();
      for (const listener of this.statusListeners) listener(true);
      const channels = [...this.handlers.keys()].filter((channel) => channel !== 'user');
      if (channels.length > 0) this.send({ op: 'subscribe', channels });
      if (this.token || this.apiKeySignIn) this.sendAuth();
    });
    socket.addEventListener('message', (event) => this.receive('data' in event ? String(event.data) : ''));
    // a failed connection also closes, and the close reconnects; heard here so that a WebSocket
    // that throws an unheard error (the `ws` package's) cannot take the program down
    socket.addEventListener('error', () => {});
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.authenticated = false;
      for (const listener of this.statusListeners) listener(false);
      // every channel's data may have a hole now; each gets a snapshot again on reconnect
      for (const [channel, handlers] of this.handlers) for (const handler of handlers) handler({ type: 'disconnected', channel });
      if (this.closed) return;
      const delay = Math.min(10_000, 500 * 2 ** this.retry++);
      this.timer = setTimeout(() => this.connect(), delay);
    });
  }

  private receive(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.options.onInvalidFrame?.(text, 'not JSON');
      return;
    }
    const control = streamControlFrameSchema.safeParse(json);
    if (control.success) {
      const frame = control.data;
      if (frame.type === 'authenticated') {
        this.authenticated = true;
        if (this.handlers.has('user')) this.send({ op: 'subscribe', channels: ['user'] });
      } else if (frame.type === 'unsubscribed' && this.resubscribing.delete(frame.channel)) {
        if (this.handlers.has(frame.channel)) this.send({ op: 'subscribe', channels: [frame.channel] });
      } else if (frame.type === 'subscribed') {
        for (const handler of this.handlers.get(frame.channel) ?? []) handler({ type: 'subscribed', channel: frame.channel });
      } else if (frame.type === 'error' && frame.channel !== undefined) {
        this.refused(frame.channel, frame.code, frame.message);
      }
      return;
    }
    const channel = typeof json === 'object' && json !== null && 'channel' in json ? String(json.channel) : '';
    const kind = channelKindOf(channel);
    if (!kind) {
      this.options.onInvalidFrame?.(text, 'a frame of no known channel');
      return;
    }
    const parsed = channelFrameSchema(kind).safeParse(json);
    if (!parsed.success) {
      this.options.onInvalidFrame?.(text, parsed.error.issues[0]?.message ?? 'outside the contract');
      return;
    }
    if (parsed.data.type === 'snapshot') this.failures.delete(channel);
    for (const handler of this.handlers.get(channel) ?? []) handler(parsed.data);
  }

  /** A subscription the server could not set up (its snapshot failed, say): tried again shortly, unless it never can be. */
  private refused(channel: string, code: string, message: string): void {
    const handlers = this.handlers.get(channel);
    if (!handlers) return;
    for (const handler of handlers) handler({ type: 'error', channel, code, message });
    if (PERMANENT_ERRORS.has(code)) return;
    const attempt = (this.failures.get(channel) ?? 0) + 1;
    this.failures.set(channel, attempt);
    setTimeout(
      () => {
        if (this.handlers.has(channel)) this.send({ op: 'subscribe', channels: [channel] });
      },
      Math.min(10_000, 500 * 2 ** attempt),
    );
  }

  private sendAuth(): void {
    if (this.token) this.send({ op: 'auth', token: this.token });
    else if (this.apiKeySignIn) this.send({ op: 'auth', apiKey: this.apiKeySignIn() });
  }

  private send(message: StreamClientMessage): void {
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify(message));
  }
}
