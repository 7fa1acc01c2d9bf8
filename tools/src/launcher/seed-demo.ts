import { errorBodySchema, loginResponseSchema, type Market, marketListSchema } from '@exchange/contracts';
import { StartupError } from './checks.js';

/** The demo market maker: cash, shares and a ladder of quotes on every market at local start. */
export const MARKET_MAKER = { email: 'market-maker@exchange.local', password: 'market-maker-demo', name: 'Demo Market Maker' };

const CASH = '1000000.00';
const SHARES = '10000';
const LEVELS = 5;
const QUOTE_LOTS = 10n;

export interface DemoSeedOptions {
  gatewayUrl: string;
  adminEmail: string;
  adminPassword: string;
}

type MarketView = Pick<Market, 'symbol' | 'tickSize' | 'lotSize' | 'referencePrice' | 'status'>;

/**
 * Through the public API, as any client would: the market maker account (created once), its cash
 * and shares (credited once: the credits carry idempotency keys), and resting bids and asks around
 * each market's reference price (each quote has a clientOrderId, so starting again places nothing twice
 * while the quote is still open). A newcomer can trade against it at once.
 */
export async function seedDemoTrading(options: DemoSeedOptions): Promise<{ quotes: number; markets: number }> {
  const api = client(options.gatewayUrl);
  const admin = await api.login(options.adminEmail, options.adminPassword);
  const registered = await api.call('POST', '/v1/auth/register', undefined, MARKET_MAKER);
  if (registered.status !== 201 && errorBodySchema.safeParse(registered.body).data?.error.code !== 'EMAIL_TAKEN')
    throw failure('registering the market maker', registered);
  const maker = await api.login(MARKET_MAKER.email, MARKET_MAKER.password);
  const credit = async (asset: string, amount: string) => {
    const response = await api.call(
      'POST',
      '/v1/admin/credit',
      admin.token,
      { userId: maker.userId, asset, amount },
      { 'idempotency-key': `demo-market-maker-${asset}` },
    );
    if (response.status !== 200) throw failure(`crediting the market maker ${amount} ${asset}`, response);
  };
  await credit('USD', CASH);
  const markets = marketListSchema.parse((await api.call('GET', '/v1/markets')).body).items;
  let quotes = 0;
  for (const market of markets.filter((m) => m.status === 'TRADING')) {
    await credit(market.symbol, SHARES);
    for (const quote of ladder(market)) {
      const response = await api.call('POST', '/v1/orders', maker.token, { symbol: market.symbol, type: 'LIMIT', timeInForce: 'GTC', ...quote });
      // 409: an open quote of an earlier start at another price (the reference moved): it stays
      if (response.status === 201) quotes += 1;
      else if (response.status !== 409) throw failure(`quoting ${market.symbol}`, response);
    }
  }
  return { quotes, markets: markets.length };
}

/** Five bids below and five asks above the reference price, 0.1% (at least one tick) apart. */
function ladder(market: MarketView): Array<{ side: 'BUY' | 'SELL'; price: string; quantity: string; clientOrderId: string }> {
  const tick = cents(market.tickSize);
  const reference = cents(market.referencePrice);
  const step = ((reference / 1000n + tick - 1n) / tick) * tick || tick;
  const quantity = (BigInt(market.lotSize) * QUOTE_LOTS).toString();
  const out: Array<{ side: 'BUY' | 'SELL'; price: string; quantity: string; clientOrderId: string }> = [];
  for (let level = 1n; level <= BigInt(LEVELS); level++) {
    const bid = reference - step * level;
    if (bid > 0n) out.push({ side: 'BUY', price: dollars(bid), quantity, clientOrderId: `demo-mm-${market.symbol}-B${level}` });
    out.push({ side: 'SELL', price: dollars(reference + step * level), quantity, clientOrderId: `demo-mm-${market.symbol}-S${level}` });
  }
  return out;
}

const cents = (text: string): bigint => {
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2));
};
const dollars = (value: bigint): string => `${value / 100n}.${(value % 100n).toString().padStart(2, '0')}`;

interface Answer {
  status: number;
  body: unknown;
}

function failure(what: string, response: Answer): StartupError {
  return new StartupError(`seeding the demo failed while ${what}: ${response.status} ${JSON.stringify(response.body)}`);
}

function client(gatewayUrl: string) {
  const call = async (method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await fetch(`${gatewayUrl}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    call,
    async login(email: string, password: string): Promise<{ token: string; userId: string }> {
      const response = await call('POST', '/v1/auth/login', undefined, { email, password });
      if (response.status !== 200) throw failure(`signing in as ${email}`, response);
      const answer = loginResponseSchema.parse(response.body);
      return { token: answer.accessToken, userId: answer.user.id };
    },
  };
}
