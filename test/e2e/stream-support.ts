import WebSocket from 'ws';
import { gatewayUrl } from './support.js';

export type Frame = Record<string, any>;

/** A WebSocket client of /v1/stream that keeps every frame it receives, for the tests to wait on. */
export class StreamClient {
  readonly frames: Frame[] = [];
  pings = 0;
  closed: { code: number; reason: string } | undefined;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      this.frames.push(JSON.parse(raw.toString()) as Frame);
      this.wake();
    });
    socket.on('ping', () => {
      this.pings += 1;
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  static async open(options: { token?: string; baseUrl?: string } = {}): Promise<StreamClient> {
    const base = (options.baseUrl ?? gatewayUrl()).replace(/^http/, 'ws');
    const socket = new WebSocket(`${base}/v1/stream${options.token ? `?token=${encodeURIComponent(options.token)}` : ''}`);
    const client = new StreamClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first frame (from `from` on) that matches, waiting up to `timeoutMs`. */
  async next(predicate: (frame: Frame) => boolean, timeoutMs = 10_000, from = 0): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching frame within ${timeoutMs} ms; got: ${JSON.stringify(this.frames.slice(-10))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  async until(condition: () => boolean, timeoutMs = 10_000, what = 'a condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  close(): void {
    this.socket.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * A client-side order book kept the way Binance documents it: the snapshot at S, then every update
 * whose sequence is above S, the first one with firstSequence ≤ S + 1; any later update must start
 * right after the previous one, or the book has a gap.
 */
export class LocalBook {
  sequence = -1;
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();
  gaps = 0;

  apply(frame: Frame): void {
    if (frame.type === 'snapshot') {
      this.bids.clear();
      this.asks.clear();
      for (const [price, quantity] of frame.data.bids) this.bids.set(price, quantity);
      for (const [price, quantity] of frame.data.asks) this.asks.set(price, quantity);
      this.sequence = frame.sequence;
      return;
    }
    if (frame.sequence <= this.sequence) return;
    if (frame.firstSequence > this.sequence + 1) this.gaps += 1;
    for (const [side, levels] of [
      [this.bids, frame.data.bids],
      [this.asks, frame.data.asks],
    ] as const) {
      for (const [price, quantity] of levels as Array<[string, string]>) {
        if (quantity === '0') side.delete(price);
        else side.set(price, quantity);
      }
    }
    this.sequence = frame.sequence;
  }

  levels(side: 'bids' | 'asks'): Array<[string, string]> {
    const entries = [...this[side].entries()];
    entries.sort((a, b) => (side === 'bids' ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));
    return entries;
  }
}
