/**
 * Order entry: checks a draft against the market's rules (tick size, lot size, quantity bounds,
 * notional, fees) and the user's balance before it is sent, and works out what it will hold:
 * price × quantity + the largest fee (max(maker, taker) bp, rounded down to the cent) — the
 * exchange's own rules (`feeCents`, `buyNeedCents`), so the front end shows what the exchange holds.
 * Pure; amounts are bigint cents and whole shares.
 */
import { buyNeedCents, CASH_SCALE, feeCents, formatUnits, parseUnits, SHARE_SCALE, type PlaceOrderInput } from '@exchange/client';

export type Side = PlaceOrderInput['side'];
export type OrderType = PlaceOrderInput['type'];
export type TimeInForce = NonNullable<PlaceOrderInput['timeInForce']>;

export interface MarketRules {
  symbol: string;
  baseAsset?: string;
  tickSize: string;
  lotSize: string;
  makerFeeBps: number;
  takerFeeBps: number;
  minQuantity?: string;
  maxQuantity?: string;
  maxNotional?: string;
  status?: 'TRADING' | 'HALTED';
}

export interface OrderDraft {
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  price: string;
  quantity: string;
  postOnly: boolean;
}

export interface Funds {
  /** available USD, decimal string (null: unknown yet) */
  cash: string | null;
  /** available shares of the market's base asset */
  shares: string | null;
}

export interface OrderCost {
  /** USD, decimal strings */
  notional: string;
  fee: string;
  total: string;
  /** true for a MARKET order: priced at the best opposite price, the exchange holds at its protection price */
  estimate: boolean;
}

export type FieldName = 'price' | 'quantity' | 'timeInForce' | 'postOnly' | 'funds' | 'market';

export type PlaceOrderBody = PlaceOrderInput;

export interface OrderCheck {
  errors: Partial<Record<FieldName, string>>;
  cost: OrderCost | null;
  /** the request body, when there are no errors */
  body: PlaceOrderBody | null;
}

export const TIME_IN_FORCE_FOR: Record<OrderType, TimeInForce[]> = { LIMIT: ['GTC', 'IOC', 'FOK'], MARKET: ['IOC', 'FOK'] };

/**
 * Checks the draft. `marketPrice` is the best opposite price (best ask for a buy, best bid for a
 * sell), used to estimate a MARKET order's cost.
 */
export function checkOrder(draft: OrderDraft, market: MarketRules, funds: Funds, marketPrice?: string | null): OrderCheck {
  const errors: OrderCheck['errors'] = {};
  const tick = parseUnits(market.tickSize, CASH_SCALE) ?? 1n;
  const lot = parseUnits(market.lotSize, SHARE_SCALE) ?? 1n;

  if (market.status === 'HALTED') errors.market = `${market.symbol} is halted: no new orders until trading resumes (cancels still work).`;

  let price: bigint | null = null;
  if (draft.type === 'LIMIT') {
    const text = draft.price.trim();
    if (text === '') errors.price = 'Enter a limit price.';
    else {
      price = parseUnits(text, CASH_SCALE);
      if (price === null) errors.price = 'Enter a price such as 190.25 (at most 2 decimals).';
      else if (price <= 0n) errors.price = 'The price must be above zero.';
      else if (price % tick !== 0n) errors.price = `The price must be a multiple of the tick size ${market.tickSize}.`;
    }
  } else if (marketPrice) {
    price = parseUnits(marketPrice, CASH_SCALE);
  }

  let quantity: bigint | null = null;
  const qtyText = draft.quantity.trim();
  if (qtyText === '') errors.quantity = 'Enter a quantity.';
  else {
    quantity = parseUnits(qtyText, SHARE_SCALE);
    if (quantity === null) errors.quantity = 'Enter a whole number of shares.';
    else if (quantity <= 0n) errors.quantity = 'The quantity must be above zero.';
    else if (quantity % lot !== 0n) errors.quantity = `The quantity must be a multiple of the lot size ${market.lotSize}.`;
    else {
      const min = market.minQuantity ? parseUnits(market.minQuantity, SHARE_SCALE) : null;
      const max = market.maxQuantity ? parseUnits(market.maxQuantity, SHARE_SCALE) : null;
      if (min !== null && quantity < min) errors.quantity = `At least ${market.minQuantity} shares.`;
      else if (max !== null && quantity > max) errors.quantity = `At most ${market.maxQuantity} shares.`;
    }
  }
  const validQuantity = errors.quantity ? null : quantity;

  if (!TIME_IN_FORCE_FOR[draft.type].includes(draft.timeInForce)) {
    errors.timeInForce = draft.type === 'MARKET' ? 'A market order is IOC or FOK: it never rests.' : 'Choose GTC, IOC or FOK.';
  }
  if (draft.postOnly && (draft.type !== 'LIMIT' || draft.timeInForce !== 'GTC')) errors.postOnly = 'Post-only is for LIMIT GTC orders.';

  let cost: OrderCost | null = null;
  if (price !== null && price > 0n && !errors.price && validQuantity !== null) {
    const maxFeeBps = Math.max(market.makerFeeBps, market.takerFeeBps);
    const notional = price * validQuantity;
    const total = buyNeedCents(price, validQuantity, maxFeeBps);
    cost = {
      notional: formatUnits(notional, CASH_SCALE),
      fee: formatUnits(feeCents(notional, maxFeeBps), CASH_SCALE),
      total: formatUnits(total, CASH_SCALE),
      estimate: draft.type === 'MARKET',
    };
    const maxNotional = market.maxNotional ? parseUnits(market.maxNotional, CASH_SCALE) : null;
    if (draft.type === 'LIMIT' && maxNotional !== null && notional > maxNotional) {
      errors.quantity = `The order's value ${cost.notional} USD is above this market's maximum of ${market.maxNotional} USD.`;
    }
    if (draft.side === 'BUY' && funds.cash !== null) {
      const cash = parseUnits(funds.cash, CASH_SCALE) ?? 0n;
      if (total > cash) errors.funds = `Not enough USD: this order needs ${cost.total}, ${funds.cash} is available. Add funds or lower the quantity.`;
    }
  }
  if (draft.side === 'SELL' && validQuantity !== null && funds.shares !== null) {
    const shares = parseUnits(funds.shares, SHARE_SCALE) ?? 0n;
    if (validQuantity > shares) errors.funds = `Not enough ${market.baseAsset ?? market.symbol}: ${funds.shares} shares available. Lower the quantity.`;
  }

  const ok = Object.keys(errors).length === 0 && validQuantity !== null;
  const body: PlaceOrderBody | null = ok
    ? {
        symbol: market.symbol,
        side: draft.side,
        type: draft.type,
        timeInForce: draft.timeInForce,
        ...(draft.type === 'LIMIT' && price !== null ? { price: formatUnits(price, CASH_SCALE) } : {}),
        quantity: validQuantity.toString(),
        ...(draft.postOnly ? { postOnly: true } : {}),
      }
    : null;
  return { errors, cost, body };
}
