/** Every piece of server state, as TanStack queries with stable keys. */
import { type QueryClient, useQuery } from '@tanstack/react-query';
import type { Balance, Ticker } from '@exchange/client';
import { exchange } from './api';
import { newerTicker } from './market-list';
import { useToken } from './auth-store';

export const keys = {
  me: ['me'] as const,
  markets: ['markets'] as const,
  ticker: (symbol: string) => ['ticker', symbol] as const,
  tickers: ['tickers'] as const,
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
  apiKeys: ['api-keys'] as const,
};

export type CandleInterval = '1m' | '5m' | '1h' | '1d';

export function useMe() {
  const token = useToken();
  return useQuery({ queryKey: keys.me, queryFn: () => exchange.me().then((r) => r.user), enabled: Boolean(token), staleTime: 60_000 });
}

export function useMarkets() {
  return useQuery({ queryKey: keys.markets, queryFn: () => exchange.markets().then((r) => r.items), staleTime: 30_000 });
}

export function useMarket(symbol: string) {
  const markets = useMarkets();
  return { ...markets, data: markets.data?.find((market) => market.symbol === symbol) };
}

/** Fetched once, then kept current by the `ticker:SYMBOL` channel (see useLiveTicker). */
export function useTicker(symbol: string) {
  return useQuery({ queryKey: keys.ticker(symbol), queryFn: () => exchange.ticker({ params: { symbol } }), staleTime: Infinity });
}

/** how often the markets page fetches every ticker again (GET /v1/tickers) */
export const TICKERS_REFRESH_MS = 10_000;

/** Every market's ticker in one request, by symbol, fetched again every TICKERS_REFRESH_MS while shown. */
export function useTickers() {
  return useQuery({
    queryKey: keys.tickers,
    queryFn: () => exchange.tickers().then((r) => r.items),
    staleTime: TICKERS_REFRESH_MS,
    refetchInterval: TICKERS_REFRESH_MS,
  });
}

/** The ticker of `symbol` from what is cached, never fetched (see newerTicker). */
export function cachedTicker(queryClient: QueryClient, symbol: string): Ticker | undefined {
  const own = queryClient.getQueryState<Ticker>(keys.ticker(symbol));
  const all = queryClient.getQueryState<Ticker[]>(keys.tickers);
  return newerTicker(own, all, symbol);
}

/** A market's own ticker if one is cached (useLiveTicker puts it there), watched but never fetched here. */
export function useOwnTicker(symbol: string) {
  return useQuery({ queryKey: keys.ticker(symbol), queryFn: () => exchange.ticker({ params: { symbol } }), enabled: false, staleTime: Infinity });
}

export function useCandles(symbol: string, interval: CandleInterval) {
  return useQuery({
    queryKey: keys.candles(symbol, interval),
    queryFn: () => exchange.candles({ params: { symbol }, query: { interval, limit: 300 } }).then((r) => r.items),
    staleTime: Infinity,
  });
}

export function useMarketTrades(symbol: string) {
  return useQuery({
    queryKey: keys.marketTrades(symbol),
    queryFn: () => exchange.trades({ params: { symbol }, query: { limit: 50 } }).then((r) => r.items),
    staleTime: Infinity,
  });
}

export function useWallet() {
  const token = useToken();
  return useQuery({ queryKey: keys.wallet, queryFn: () => exchange.wallet().then((r) => r.balances), enabled: Boolean(token) });
}

export function useBalance(asset: string): Balance | undefined {
  return useWallet().data?.find((balance) => balance.asset === asset);
}

export function useOrders(status: 'open' | 'closed' | 'all', symbol?: string) {
  const token = useToken();
  return useQuery({
    queryKey: keys.ordersBy(status, symbol),
    queryFn: () => exchange.orders({ query: { status, limit: 100, ...(symbol ? { symbol } : {}) } }).then((r) => r.items),
    enabled: Boolean(token),
  });
}

export function useFills(symbol?: string) {
  const token = useToken();
  return useQuery({
    queryKey: keys.fills(symbol),
    queryFn: () => exchange.fills({ query: { limit: 100, ...(symbol ? { symbol } : {}) } }).then((r) => r.items),
    enabled: Boolean(token),
  });
}

export function useUnreadCount() {
  const token = useToken();
  return useQuery({
    queryKey: keys.unread,
    queryFn: () => exchange.notifications({ query: { unread: 'true', limit: 1 } }).then((r) => r.unreadCount),
    enabled: Boolean(token),
  });
}

/** The user's API keys (never their secrets), revoked ones included, newest first. */
export function useApiKeys() {
  const token = useToken();
  return useQuery({ queryKey: keys.apiKeys, queryFn: () => exchange.apiKeys().then((r) => r.items), enabled: Boolean(token) });
}
