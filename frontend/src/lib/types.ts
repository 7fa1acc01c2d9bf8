/** Response shapes of the gateway (see the README's API section). Amounts are decimal strings. */
export interface User {
  id: string;
  email: string;
  name?: string | null;
  role?: 'user' | 'admin';
  createdAt: string;
}
export interface Market {
  symbol: string;
  name: string;
  baseAsset: string;
  quoteAsset: 'USD';
  tickSize: string;
  lotSize: string;
  referencePrice: string;
  status: 'TRADING' | 'HALTED';
  makerFeeBps: number;
  takerFeeBps: number;
  minQuantity: string;
  maxQuantity: string;
  maxNotional: string;
  priceCollarBps: number;
}
export interface Ticker {
  symbol: string;
  last: string | null;
  bestBid: string | null;
  bestAsk: string | null;
  open24h: string | null;
  high24h: string | null;
  low24h: string | null;
  volume24h: string;
  changePct24h: string | null;
}
export interface Candle {
  openTime: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}
export interface PublicTrade {
  id: string;
  price: string;
  quantity: string;
  takerSide: 'BUY' | 'SELL';
  executedAt: string;
}
export interface Balance {
  asset: string;
  available: string;
  held: string;
  total: string;
}
export interface Transaction {
  id: string;
  type: string;
  asset: string;
  amount: string;
  balanceAfter: string;
  reference?: string | null;
  createdAt: string;
}
export interface Order {
  id: string;
  clientOrderId: string | null;
  symbol: string;
  side: 'BUY' | 'SELL';
  type: 'LIMIT' | 'MARKET';
  timeInForce: string;
  price: string | null;
  quantity: string;
  filledQuantity: string;
  averagePrice: string | null;
  status: string;
  rejectReason?: string | null;
  cancelRequested?: boolean;
  postOnly?: boolean;
  createdAt: string;
  updatedAt: string;
}
export interface Fill {
  id: string;
  orderId: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  price: string;
  quantity: string;
  fee: string;
  liquidity: 'MAKER' | 'TAKER';
  executedAt: string;
}
export interface Notification {
  id: string;
  type: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  read: boolean;
  createdAt: string;
}
export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}
