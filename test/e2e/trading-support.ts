import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { eventually } from '@exchange/platform/testing';
import { call, login, register, uniqueEmail } from './support.js';

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
export async function newMarket(overrides: Record<string, unknown> = {}): Promise<string> {
  const symbol = (overrides.symbol as string | undefined) ?? freshSymbol();
  const response = await call('POST', '/v1/admin/markets', {
    token: await admin(),
    body: { symbol, name: `Test ${symbol}`, tickSize: '0.01', lotSize: '1', referencePrice: '100.00', makerFeeBps: 0, takerFeeBps: 10, ...overrides },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return symbol;
}

export interface Trader {
  token: string;
  userId: string;
  email: string;
}

/** A signed-in user with `cash` USD deposited and `shares` of each given symbol credited by the admin. */
export async function trader(cash = '0', shares: Record<string, string> = {}, tag = 'trader'): Promise<Trader> {
  const { email, password, user } = await register(uniqueEmail(tag));
  const token = await login(email, password);
  if (cash !== '0') expect((await call('POST', '/v1/wallet/add-funds', { token, body: { amount: cash } })).status).toBe(200);
  for (const [asset, amount] of Object.entries(shares)) {
    const credit = await call('POST', '/v1/admin/credit', { token: await admin(), body: { userId: user.id, asset, amount } });
    expect(credit.status, JSON.stringify(credit.body)).toBe(200);
  }
  return { token, userId: user.id, email };
}

export async function place(who: Trader, order: Record<string, unknown>) {
  return call('POST', '/v1/orders', { token: who.token, body: order });
}

/** Places an order that must be accepted; returns it. */
export async function placed(who: Trader, order: Record<string, unknown>) {
  const response = await place(who, order);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.order as { id: string; status: string };
}

/** Waits until the order reaches `status` (the engine and the settlement are asynchronous). */
export async function orderWhen(who: Trader, orderId: string, status: string | ((order: any) => boolean), timeoutMs = 15_000) {
  let last: any;
  await eventually(
    async () => {
      const response = await call('GET', `/v1/orders/${orderId}`, { token: who.token });
      last = response.body.order ?? response.body;
      return typeof status === 'string' ? last?.status === status : Boolean(last && status(last));
    },
    timeoutMs,
    `order ${orderId} to become ${typeof status === 'string' ? status : 'as expected'}`,
  ).catch((error: Error) => {
    throw new Error(`${error.message} (last seen: ${JSON.stringify(last)})`);
  });
  return last;
}

export async function balances(who: Trader): Promise<Record<string, { available: string; held: string; total: string }>> {
  const response = await call('GET', '/v1/wallet', { token: who.token });
  expect(response.status).toBe(200);
  return Object.fromEntries(response.body.balances.map((b: { asset: string; available: string; held: string; total: string }) => [b.asset, b]));
}

/** A user's balance of one asset as [available, held]; missing = zero. */
export async function balance(who: Trader, asset: string): Promise<[string, string]> {
  const all = await balances(who);
  const zero = asset === 'USD' ? '0.00' : '0';
  return [all[asset]?.available ?? zero, all[asset]?.held ?? zero];
}
