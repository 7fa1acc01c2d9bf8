import { describe, expect, it, vi } from 'vitest';
import { type ContractClient, createLogger } from '@exchange/platform';
import type { MARKET_DATA_API } from '@exchange/contracts';
import type { ApiKeyVerifier } from '../auth/api-key-verifier.js';
import type { TokenVerifier } from '../auth/token-verifier.js';
import type { LiveHub } from './live-hub.js';
import { StreamSession } from './stream-session.js';

type Listener = (message: Record<string, unknown>) => void;

/** A socket and a hub that only record: the session's own rules, without a network. */
function setup(options: { snapshotSequence?: number; beforeSnapshot?: (push: Listener) => void } = {}) {
  const sent: any[] = [];
  const socket = {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    send: vi.fn((text: string) => sent.push(JSON.parse(text))),
    close: vi.fn(),
    terminate: vi.fn(),
  };
  const listeners = new Map<string, Listener>();
  const stopped: string[] = [];
  const hub = {
    listen: vi.fn(async (channel: string, listener: Listener) => {
      listeners.set(channel, listener);
      return async () => {
        stopped.push(channel);
      };
    }),
  };
  const marketData = {
    book: vi.fn(async () => {
      options.beforeSnapshot?.((message) => listeners.get('md:AAPL')!(message));
      return { symbol: 'AAPL', sequence: options.snapshotSequence ?? 10, bids: [['99.00', '5']], asks: [] };
    }),
    trades: vi.fn(async () => ({ items: [] })),
    candles: vi.fn(async () => ({ items: [] })),
    ticker: vi.fn(async () => ({
      symbol: 'AAPL',
      last: null,
      bestBid: null,
      bestAsk: null,
      open24h: null,
      high24h: null,
      low24h: null,
      volume24h: '0',
      changePct24h: null,
    })),
  };
  const slow = vi.fn();
  const session = new StreamSession(socket as never, {
    hub: hub as unknown as LiveHub,
    marketData: marketData as unknown as ContractClient<typeof MARKET_DATA_API>,
    verifier: {} as TokenVerifier,
    apiKeys: {} as ApiKeyVerifier,
    ip: '127.0.0.1',
    logger: createLogger('test', 'silent'),
    limits: { maxSubscriptions: 3, maxBufferedBytes: 1000 },
    onSlowClient: slow,
  });
  const push = (message: Record<string, unknown>) => listeners.get('md:AAPL')!(message);
  const subscribe = (channels: string[]) => session.handle(Buffer.from(JSON.stringify({ op: 'subscribe', channels })));
  return { sent, socket, session, push, subscribe, slow, stopped };
}

const depth = (firstSequence: number, sequence: number) => ({
  type: 'depth',
  symbol: 'AAPL',
  firstSequence,
  sequence,
  bids: [['99.00', String(sequence)]],
  asks: [],
});

describe('a stream session', () => {
  it('sends the book snapshot first, then only the held and live updates newer than it, in order', async () => {
    const { sent, push, subscribe } = setup({
      snapshotSequence: 10,
      // updates that arrive while the snapshot is fetched: one older, one newer than the snapshot
      beforeSnapshot: (deliver) => {
        deliver(depth(9, 10));
        deliver(depth(11, 12));
      },
    });
    await subscribe(['book:AAPL']);
    push(depth(13, 13));
    push({ type: 'trade', symbol: 'AAPL' }); // another kind of message on the same channel: not for the book
    expect(sent.map((frame) => [frame.type, frame.sequence])).toEqual([
      ['snapshot', 10],
      ['update', 12],
      ['update', 13],
    ]);
    expect(sent[1]).toEqual({ channel: 'book:AAPL', type: 'update', firstSequence: 11, sequence: 12, data: { bids: [['99.00', '12']], asks: [] } });
  });

  it('disconnects a client that does not read what it is sent, and lets go of its channels', async () => {
    const { socket, push, subscribe, slow, stopped, sent } = setup();
    await subscribe(['book:AAPL']);
    socket.bufferedAmount = 5000;
    push(depth(11, 11));
    expect(slow).toHaveBeenCalledOnce();
    expect(socket.close).toHaveBeenCalledWith(1013, expect.stringContaining('too slow'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(stopped).toEqual(['md:AAPL']);
    push(depth(12, 12));
    expect(sent.filter((frame) => frame.type === 'update')).toHaveLength(0);
  });

  it('refuses more channels than its limit and the user channel without a signed-in client', async () => {
    const { sent, subscribe } = setup();
    await subscribe(['ticker:AAPL', 'trades:AAPL', 'candles:AAPL:5m', 'book:AAPL', 'user']);
    const errors = sent.filter((frame) => frame.type === 'error');
    expect(errors.map((frame) => [frame.channel, frame.code])).toEqual([
      ['book:AAPL', 'TOO_MANY_SUBSCRIPTIONS'],
      ['user', 'TOO_MANY_SUBSCRIPTIONS'],
    ]);
  });
});
