import { describe, expect, it } from 'vitest';
import { ExchangeApiError } from '@exchange/client';
import { exchange, gatewayUrl, randomIp } from '../../../test/e2e/support.js';
import { newMarket, trader } from '../../../test/e2e/trading-support.js';
import { runMarketMaker } from '../src/bot.js';

describe('the example market maker (SDK only, signed with an API key)', () => {
  it('quotes both sides, amends by cancel when the market moves, and takes its quotes back when it stops', async () => {
    const symbol = await newMarket({ referencePrice: '50.00' });
    const owner = await trader('100000.00', { [symbol]: '1000' });
    const created = await exchange(owner.token).createApiKey({ body: { label: 'example bot', scopes: ['read', 'trade'] } });
    const credentials = { keyId: created.apiKey.id, secret: created.secret! };
    const headers = { 'x-forwarded-for': randomIp() };

    // two rounds on an empty book: quotes around the reference price, once
    const quiet = await runMarketMaker({ baseUrl: gatewayUrl(), credentials, symbol, rounds: 2, refreshMs: 50, headers });
    expect(quiet).toEqual({ placed: 2, canceled: 2, rounds: 2 });

    // another user's orders inside the bot's quotes move the middle: the bot cancels and re-quotes
    const other = await trader('100000.00', { [symbol]: '1000' });
    const stop = new AbortController();
    const lines: string[] = [];
    const running = runMarketMaker({
      baseUrl: gatewayUrl(),
      credentials,
      symbol,
      refreshMs: 100,
      signal: stop.signal,
      headers,
      log: (line) => lines.push(line),
    });
    const mover = exchange(other.token);
    /** the bot's quote lines reach `count` (each move of the middle it saw is one) */
    const quoted = async (count: number) => {
      const deadline = Date.now() + 15_000;
      while (lines.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lines.length, lines.join('\n')).toBeGreaterThanOrEqual(count);
    };
    // its first quotes, then one move of the middle at a time, each waited for (the bot looks every 100 ms)
    await quoted(1);
    let seen = 1;
    for (const [bid, ask] of [
      ['49.99', '50.03'],
      ['50.02', '50.08'],
    ]) {
      await mover.placeOrder({ body: { symbol, side: 'BUY', type: 'LIMIT', price: bid!, quantity: '1' } });
      await mover.placeOrder({ body: { symbol, side: 'SELL', type: 'LIMIT', price: ask!, quantity: '1' } });
      seen += 1;
      await quoted(seen);
    }
    stop.abort();
    const moved = await running;
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(moved.placed).toBeGreaterThanOrEqual(6);
    expect(moved.canceled).toBe(moved.placed);
    // nothing of the bot's is left open
    const open = (await exchange(owner.token).orders({ query: { status: 'open' } })).items;
    for (const order of open) expect(order.cancelRequested).toBe(true);
  });

  it('stops at once on a key the exchange refuses', async () => {
    const symbol = await newMarket();
    const owner = await trader();
    const created = await exchange(owner.token).createApiKey({ body: { label: 'read only', scopes: ['read'] } });
    const wrong = runMarketMaker({ baseUrl: gatewayUrl(), credentials: { keyId: created.apiKey.id, secret: 'not-it' }, symbol, rounds: 1 });
    await expect(wrong).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    const readOnly = runMarketMaker({ baseUrl: gatewayUrl(), credentials: { keyId: created.apiKey.id, secret: created.secret! }, symbol, rounds: 1 });
    const error = await readOnly.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExchangeApiError);
    expect(error).toMatchObject({ status: 403, code: 'API_KEY_SCOPE_MISSING' });
  });
});
