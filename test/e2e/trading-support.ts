import { randomBytes } from 'node:crypto';
import { eventually } from '@exchange/platform/testing';
import type { Order, PlaceOrderInput } from '@exchange/client';
import { call, exchange, login, register, uniqueEmail } from './support.js';

export const ADMIN = { email: 'admin@exchange.local', password: 'exchange-admin' };

let adminToken: Promise<string> | undefined;
export const admin = () => (adminToken ??= login(ADMIN.email, ADMIN.password));

/** A symbol no other test uses. */
export function freshSymbol(): string {
  return `T${randomBytes(4)
    .toString('hex')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, 'X')}`.slice(0, 9);
}

/** Lists a new market (tick 0.01, lot 1, maker 0 bp, taker 10 bp unless overridden) and returns its symbol. */
export async function newMarket(overrides: Partial<CreateMarket> = {}): Promise<string> {
  const symbol = overrides.symbol ?? freshSymbol();
  await exchange(await admin()).createMarket({
    body: { symbol, name: `Test ${symbol}`, tickSize: '0.01', lotSize: '1', referencePrice: '100.00', makerFeeBps: 0, takerFeeBps: 10, ...overrides },
  });
  return symbol;
}

type CreateMarket = Parameters<ReturnType<typeof exchange>['createMarket']>[0]['body'];

export interface Trader {
  token: string;
  userId: string;
  email: string;
}

/** A signed-in user with `cash` USD deposited and `shares` of each given symbol credited by the admin. */
export async function trader(cash = '0', shares: Record<string, string> = {}, tag = 'trader'): Promise<Trader> {
  const { email, password, user } = await register(uniqueEmail(tag));
  const token = await login(email, password);
  if (cash !== '0') await exchange(token).addFunds({ body: { amount: cash } });
  for (const [asset, amount] of Object.entries(shares)) await exchange(await admin()).adminCredit({ body: { userId: user.id, asset, amount } });
  return { token, userId: user.id, email };
}

export async function place(who: Trader, order: Record<string, unknown>) {
  return call('POST', '/v1/orders', { token: who.token, body: order });
}

/** Places an order that must be accepted (through the typed client); returns it. */
export async function placed(who: Trader, order: PlaceOrderInput): Promise<Order> {
  return (await exchange(who.token).placeOrder({ body: order })).order;
}

/** Waits until the order reaches `status` (the engine and the settlement are asynchronous). */
export async function orderWhen(who: Trader, orderId: string, status: string | ((order: Order) => boolean), timeoutMs = 15_000): Promise<Order> {
  let last: Order | undefined;
  const client = exchange(who.token);
  await eventually(
    async () => {
      last = (await client.order({ params: { id: orderId } })).order;
      return typeof status === 'string' ? last.status === status : status(last);
    },
    timeoutMs,
    `order ${orderId} to become ${typeof status === 'string' ? status : 'as expected'}`,
  ).catch((error: Error) => {
    throw new Error(`${error.message} (last seen: ${JSON.stringify(last)})`);
  });
  return last!;
}

export async function balances(who: Trader): Promise<Record<string, { available: string; held: string; total: string }>> {
  const { balances: list } = await exchange(who.token).wallet();
  return Object.fromEntries(list.map((b) => [b.asset, b]));
}

/** A user's balance of one asset as [available, held]; missing = zero. */
export async function balance(who: Trader, asset: string): Promise<[string, string]> {
  const all = await balances(who);
  const zero = asset === 'USD' ? '0.00' : '0';
  return [all[asset]?.available ?? zero, all[asset]?.held ?? zero];
}
