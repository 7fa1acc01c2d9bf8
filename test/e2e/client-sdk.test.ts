import WebSocket, { WebSocketServer } from 'ws';
import { describe, expect, it } from 'vitest';
import { applySnapshot, applyUpdate, ExchangeApiError, ExchangeStream, type ChannelEvent, type StreamChannel } from '@exchange/client';
import { eventually, freePort } from '@exchange/platform/testing';
import { exchange, gatewayUrl, login, register, uniqueEmail } from './support.js';
import { newMarket, trader } from './trading-support.js';

/** Every event a channel's handler got, in order. */
function recorder<C extends StreamChannel>(stream: ExchangeStream, channel: C) {
  const events: Array<ChannelEvent<import('@exchange/client').ChannelKindOf<C>>> = [];
  const stop = stream.subscribe(channel, (event) => events.push(event));
  return { events, stop };
}

describe('the client SDK against the running exchange', () => {
  it('signs up, funds, trades and reads back, every answer typed and checked by its contract', async () => {
    const symbol = await newMarket();
    const email = uniqueEmail('sdk');
    const { user } = await register(email, 'sdk-password-123');
    const client = exchange(await login(email, 'sdk-password-123'));

    expect((await client.me()).user).toMatchObject({ id: user.id, email });
    const deposit = await client.addFunds({ body: { amount: '1000.00' }, headers: { 'idempotency-key': `sdk-${user.id}` } });
    expect(deposit.balance).toEqual({ asset: 'USD', available: '1000.00', held: '0.00', total: '1000.00' });
    // the same key again credits once
    await client.addFunds({ body: { amount: '1000.00' }, headers: { 'idempotency-key': `sdk-${user.id}` } });
    expect((await client.wallet()).balances).toEqual([{ asset: 'USD', available: '1000.00', held: '0.00', total: '1000.00' }]);

    const { order } = await client.placeOrder({ body: { symbol, side: 'BUY', type: 'LIMIT', price: '99.50', quantity: '3' } });
    expect(order).toMatchObject({ symbol, status: 'NEW', price: '99.50', quantity: '3', timeInForce: 'GTC' });
    expect((await client.order({ params: { id: order.id } })).order.id).toBe(order.id);
    expect((await client.orders({ query: { status: 'open' } })).items.map((o) => o.id)).toContain(order.id);
    const canceled = await client.cancelOrder({ params: { id: order.id } });
    expect(canceled.order.cancelRequested).toBe(true);

    const markets = await exchange().markets();
    expect(markets.items.map((market) => market.symbol)).toContain(symbol);
    expect(await exchange().ticker({ params: { symbol } })).toMatchObject({ symbol, volume24h: '0' });
  });

  it('throws the exchange’s refusals as ExchangeApiError with the stable code, the fields and the trace id', async () => {
    const refusal = await exchange()
      .register({ body: { email: 'not-an-email', password: 'short' } })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ExchangeApiError);
    const error = refusal as ExchangeApiError;
    expect([error.status, error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(Object.keys(error.fields).sort()).toEqual(['email', 'password']);
    expect(error.traceId).toMatch(/^[0-9a-f]{32}$/);

    const signedOut: string[] = [];
    const stale = await createUnauthorized(() => signedOut.push('signed out'));
    expect(stale).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(signedOut).toEqual(['signed out']);

    // no exchange at that address: NETWORK_ERROR, status 0
    const { createExchangeClient } = await import('@exchange/client');
    const unreachable = await createExchangeClient({ baseUrl: 'http://127.0.0.1:9' })
      .markets()
      .catch((e: unknown) => e);
    expect(unreachable).toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
  });

  it('streams a book, a ticker and the user’s own updates, each frame parsed by its channel’s contract', async () => {
    const symbol = await newMarket();
    const seller = await trader('0', { [symbol]: '100' }, 'sdk-seller');
    const buyer = await trader('10000.00', {}, 'sdk-buyer');
    const invalid: string[] = [];
    const stream = new ExchangeStream({
      url: `${gatewayUrl().replace(/^http/, 'ws')}/v1/stream`,
      // the ws package's socket (Node 20 has no global WebSocket)
      WebSocket: class extends WebSocket {
        constructor(url: string) {
          super(url);
        }
      },
      onInvalidFrame: (text) => invalid.push(text),
    });
    stream.setToken(buyer.token);
    stream.start();
    try {
      const book = recorder(stream, `book:${symbol}`);
      const ticker = recorder(stream, `ticker:${symbol}`);
      const mine = recorder(stream, 'user');
      await eventually(async () => book.events.some((e) => e.type === 'snapshot') && ticker.events.some((e) => e.type === 'snapshot'), 10_000, 'snapshots');
      await eventually(async () => stream.isAuthenticated && mine.events.some((e) => e.type === 'subscribed'), 10_000, 'the user channel');

      await exchange(seller.token).placeOrder({ body: { symbol, side: 'SELL', type: 'LIMIT', price: '101.00', quantity: '10' } });
      await exchange(buyer.token).placeOrder({ body: { symbol, side: 'BUY', type: 'LIMIT', price: '101.00', quantity: '4' } });

      // the book, kept by the SDK's sequenced book from the snapshot and its updates: 6 left at 101.00
      await eventually(
        async () => {
          let state = applySnapshot(0, [], []);
          for (const event of book.events) {
            if (event.type === 'snapshot') state = applySnapshot(event.sequence, event.data.bids, event.data.asks);
            else if (event.type === 'update') state = applyUpdate(state, { ...event, bids: event.data.bids, asks: event.data.asks }).state;
          }
          return state.asks.get('101.00') === '6';
        },
        15_000,
        'the book to show 6 left at 101.00',
      );
      await eventually(async () => ticker.events.some((e) => e.type === 'update' && e.data.last === '101.00'), 15_000, 'the ticker to show the trade');
      await eventually(
        async () => mine.events.some((e) => e.type === 'update' && e.data.type === 'order' && e.data.order.status === 'FILLED'),
        15_000,
        'the buyer to hear the fill',
      );
      expect(invalid).toEqual([]);
    } finally {
      stream.stop();
    }
  });
});

describe('the client SDK’s stream when the exchange is not there yet', () => {
  it('survives a connection that fails (the ws package emits an error nobody else hears) and connects once a server listens', async () => {
    const port = await freePort();
    let attempts = 0;
    const stream = new ExchangeStream({
      url: `ws://127.0.0.1:${port}/v1/stream`,
      WebSocket: class extends WebSocket {
        constructor(url: string) {
          super(url);
          attempts++;
        }
      },
    });
    const opened: boolean[] = [];
    stream.onStatus((open) => opened.push(open));
    stream.start();
    let server: WebSocketServer | undefined;
    try {
      // nothing listens: the connection is refused, and the stream tries again
      await eventually(async () => attempts >= 2, 5_000, 'a second attempt after a refused connection');
      expect(stream.isOpen).toBe(false);
      server = new WebSocketServer({ host: '127.0.0.1', port });
      await eventually(async () => stream.isOpen, 10_000, 'the stream to connect once the server listens');
      expect(opened.at(-1)).toBe(true);
    } finally {
      stream.stop();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    }
  }, 20_000);
});

/** A call with a token the exchange no longer accepts (a syntactically valid but unsigned one). */
async function createUnauthorized(onUnauthorized: () => void): Promise<unknown> {
  const { createExchangeClient } = await import('@exchange/client');
  const forged = `${Buffer.from('{"alg":"EdDSA"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.c2ln`;
  return createExchangeClient({ baseUrl: gatewayUrl(), token: forged, onUnauthorized })
    .me()
    .catch((error: unknown) => error);
}
