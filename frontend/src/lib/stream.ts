/**
 * One WebSocket to `/v1/stream` shared by the whole app: channels are reference-counted, the
 * connection reconnects with backoff and subscribes again (every channel restarts with a snapshot),
 * and the `user` channel is authenticated with {"op":"auth","token"} when a token is set.
 */
import { createContext, useContext, useEffect, useRef } from 'react';

export interface StreamFrame {
  channel?: string;
  type: string;
  sequence?: number;
  firstSequence?: number;
  data?: unknown;
  code?: string;
  message?: string;
}

type Handler = (frame: StreamFrame) => void;

export class StreamClient {
  private socket: WebSocket | null = null;
  private handlers = new Map<string, Set<Handler>>();
  private token: string | null = null;
  private authenticated = false;
  private retry = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private statusListeners = new Set<(open: boolean) => void>();
  /** channels to subscribe again once their unsubscribe is confirmed (a book re-sync) */
  private resubscribing = new Set<string>();
  /** failed subscribes per channel, for the back-off of their retries */
  private readonly failures = new Map<string, number>();

  constructor(private readonly url: string) {}

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
    return this.socket?.readyState === WebSocket.OPEN;
  }

  onStatus(listener: (open: boolean) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  setToken(token: string | null): void {
    if (token === this.token) return;
    const had = this.token;
    this.token = token;
    if (!this.isOpen) return;
    if (token) this.sendAuth();
    else if (had) {
      // signed out: the server keeps the old identity, so start a fresh connection
      this.socket?.close();
    }
  }

  subscribe(channel: string, handler: Handler): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      if (this.isOpen && (channel !== 'user' || this.authenticated)) this.send({ op: 'subscribe', channels: [channel] });
    }
    set.add(handler);
    return () => {
      const handlers = this.handlers.get(channel);
      if (!handlers) return;
      handlers.delete(handler);
      if (handlers.size === 0) {
        this.handlers.delete(channel);
        if (this.isOpen) this.send({ op: 'unsubscribe', channels: [channel] });
      }
    };
  }

  /** Asks for a fresh snapshot of a channel (unsubscribe, then subscribe once confirmed). */
  resubscribe(channel: string): void {
    if (!this.isOpen || !this.handlers.has(channel) || this.resubscribing.has(channel)) return;
    this.resubscribing.add(channel);
    this.send({ op: 'unsubscribe', channels: [channel] });
  }

  private connect(): void {
    if (this.closed) return;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    this.authenticated = false;
    socket.onopen = () => {
      this.retry = 0;
      this.resubscribing.clear();
      for (const listener of this.statusListeners) listener(true);
      const channels = [...this.handlers.keys()].filter((channel) => channel !== 'user');
      if (channels.length > 0) this.send({ op: 'subscribe', channels });
      if (this.token) this.sendAuth();
    };
    socket.onmessage = (event) => {
      let frame: StreamFrame;
      try {
        frame = JSON.parse(String(event.data)) as StreamFrame;
      } catch {
        return;
      }
      if (frame.type === 'authenticated') {
        this.authenticated = true;
        if (this.handlers.has('user')) this.send({ op: 'subscribe', channels: ['user'] });
        return;
      }
      if (frame.type === 'unsubscribed' && frame.channel && this.resubscribing.delete(frame.channel)) {
        if (this.handlers.has(frame.channel)) this.send({ op: 'subscribe', channels: [frame.channel] });
        return;
      }
      // a subscription the server could not set up (its snapshot failed, say): try again shortly,
      // rather than stay silent — unless the channel does not exist or is not ours to hear
      if (frame.type === 'error' && frame.channel && this.handlers.has(frame.channel) && !PERMANENT_ERRORS.has(String((frame as { code?: string }).code))) {
        const channel = frame.channel;
        const attempt = (this.failures.get(channel) ?? 0) + 1;
        this.failures.set(channel, attempt);
        setTimeout(
          () => {
            if (this.handlers.has(channel)) this.send({ op: 'subscribe', channels: [channel] });
          },
          Math.min(10_000, 500 * 2 ** attempt),
        );
      }
      if (frame.type === 'snapshot' && frame.channel) this.failures.delete(frame.channel);
      if (frame.channel) for (const handler of this.handlers.get(frame.channel) ?? []) handler(frame);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      for (const listener of this.statusListeners) listener(false);
      // tell every channel its data may have a hole; they get a snapshot again on reconnect
      for (const [channel, handlers] of this.handlers) for (const handler of handlers) handler({ channel, type: 'disconnected' });
      if (this.closed) return;
      const delay = Math.min(10_000, 500 * 2 ** this.retry++);
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  private sendAuth(): void {
    this.send({ op: 'auth', token: this.token });
  }

  private send(message: unknown): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}

/** errors a retry cannot mend */
const PERMANENT_ERRORS = new Set(['UNKNOWN_CHANNEL', 'UNKNOWN_SYMBOL', 'UNAUTHENTICATED', 'TOO_MANY_SUBSCRIPTIONS', 'VALIDATION_FAILED']);

export const StreamContext = createContext<StreamClient | null>(null);

export function useStream(): StreamClient | null {
  return useContext(StreamContext);
}

/** Subscribes to a channel while the component is mounted; the handler may change between renders. */
export function useChannel(channel: string | null, handler: Handler): void {
  const stream = useStream();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    if (!stream || !channel) return;
    return stream.subscribe(channel, (frame) => latest.current(frame));
  }, [stream, channel]);
}
