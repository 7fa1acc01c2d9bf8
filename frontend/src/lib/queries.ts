/** Every piece of server state, as TanStack queries with stable keys. */
import { useQuery } from '@tanstack/react-query';
import { api } from './api';
import { useToken } from './auth-store';
import type { Balance, Candle, Fill, Market, Notification, Order, Page, PublicTrade, Ticker, User } from './types';

export const keys = {
  me: ['me'] as const,
  markets: ['markets'] as const,
  ticker: (symbol: string) => ['ticker', symbol] as const,
  candles: (symbol: string, interval: string) => ['candles', symbol, interval] as const,
  marketTrades: (symbol: string) => ['market-trades', symbol] as const,
  wallet: ['wallet'] as const,
  transactions: ['transactions'] as const,
  orders: ['orders'] as const,
  ordersBy: (status: string, symbol?: string) => ['orders', status, symbol ?? '*'] as const,
  fills: (symbol?: string) => ['fills', symbol ?? '*'] as const,
  notifications: ['notifications'] as const,
  unread: ['notifications', 'unread'] as const,
  reports: ['reports'] as const,
};

export function useMe() {
  const token = useToken();
  return useQuery({ queryKey: keys.me, queryFn: () => api<{ user: User }>('/me').then((r) => r.user), enabled: Boolean(token), staleTime: 60_000 });
}

export function useMarkets() {
  return useQuery({ queryKey: keys.markets, queryFn: () => api<{ items: Market[] }>('/markets', { auth: false }).then((r) => r.items), staleTime: 30_000 });
}

export function useMarket(symbol: string) {
  const markets = useMarkets();
  return { ...markets, data: markets.data?.find((market) => market.symbol === symbol) };
}

/** Fetched once, then kept current by the `ticker:SYMBOL` channel (see useLiveTicker). */
export function useTicker(symbol: string) {
  return useQuery({ queryKey: keys.ticker(symbol), queryFn: () => api<Ticker>(`/markets/${symbol}/ticker`, { auth: false }), staleTime: Infinity });
}

export function useCandles(symbol: string, interval: string) {
  return useQuery({
    queryKey: keys.candles(symbol, interval),
    queryFn: () => api<{ items: Candle[] }>(`/markets/${symbol}/candles?interval=${interval}&limit=300`, { auth: false }).then((r) => r.items),
    staleTime: Infinity,
  });
}

export function useMarketTrades(symbol: string) {
  return useQuery({
    queryKey: keys.marketTrades(symbol),
    queryFn: () => api<{ items: PublicTrade[] }>(`/markets/${symbol}/trades?limit=50`, { auth: false }).then((r) => r.items),
    staleTime: Infinity,
  });
}

export function useWallet() {
  const token = useToken();
  return useQuery({ queryKey: keys.wallet, queryFn: () => api<{ balances: Balance[] }>('/wallet').then((r) => r.balances), enabled: Boolean(token) });
}

export function useBalance(asset: string): Balance | undefined {
  return useWallet().data?.find((balance) => balance.asset === asset);
}

export function useOrders(status: 'open' | 'closed' | 'all', symbol?: string) {
  const token = useToken();
  const query = new URLSearchParams({ status, limit: '100', ...(symbol ? { symbol } : {}) });
  return useQuery({
    queryKey: keys.ordersBy(status, symbol),
    queryFn: () => api<Page<Order>>(`/orders?${query}`).then((r) => r.items),
    enabled: Boolean(token),
  });
}

export function useFills(symbol?: string) {
  const token = useToken();
  const query = new URLSearchParams({ limit: '100', ...(symbol ? { symbol } : {}) });
  return useQuery({ queryKey: keys.fills(symbol), queryFn: () => api<Page<Fill>>(`/trades?${query}`).then((r) => r.items), enabled: Boolean(token) });
}

export function useUnreadCount() {
  const token = useToken();
  return useQuery({
    queryKey: keys.unread,
    queryFn: () => api<{ items: Notification[]; unreadCount: number }>('/notifications?unread=true&limit=1').then((r) => r.unreadCount),
    enabled: Boolean(token),
  });
}
