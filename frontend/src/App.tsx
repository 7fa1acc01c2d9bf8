import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { Layout } from './components/Layout';
import { ToastProvider } from './components/toasts';
import { ApiError } from './lib/api';
import { useToken } from './lib/auth-store';
import { streamUrl } from './lib/config';
import { ExchangeStream } from '@exchange/client';
import { StreamContext } from './lib/stream';
import { ApiKeysPage } from './pages/ApiKeys';
import { LoginPage, RegisterPage } from './pages/Auth';
import { MarketsPage } from './pages/Markets';
import { NotificationsPage } from './pages/Notifications';
import { ReportsPage } from './pages/Reports';
import { TradePage } from './pages/Trade';
import { WalletPage } from './pages/Wallet';

// the trace pages bring a charting library: loaded when first opened
const TracesPage = lazy(() => import('./pages/Traces').then((module) => ({ default: module.TracesPage })));
const TracePage = lazy(() => import('./pages/Traces').then((module) => ({ default: module.TracePage })));
const loading = <p className="p-4 text-sm text-slate-400">Loading…</p>;

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache(),
    mutationCache: new MutationCache(),
    defaultOptions: {
      queries: {
        // refusals (4xx) are answers, not accidents: no retry
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
        refetchOnWindowFocus: false,
      },
    },
  });
}

function RequireAuth({ children }: { children: ReactNode }) {
  const token = useToken();
  const location = useLocation();
  if (!token) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return <>{children}</>;
}

function StreamProvider({ children }: { children: ReactNode }) {
  const token = useToken();
  const [client] = useState(() => new ExchangeStream({ url: streamUrl }));
  useEffect(() => {
    client.start();
    return () => client.stop();
  }, [client]);
  useEffect(() => client.setToken(token), [client, token]);
  return <StreamContext.Provider value={client}>{children}</StreamContext.Provider>;
}

export function App() {
  const [queryClient] = useState(makeQueryClient);
  const token = useToken();
  // signed out (logout or a 401): forget everything the previous user saw
  useEffect(() => {
    if (!token) queryClient.removeQueries({ predicate: (query) => !['markets', 'ticker', 'candles', 'market-trades'].includes(String(query.queryKey[0])) });
  }, [token, queryClient]);
  return (
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        <StreamProvider>
          <BrowserRouter>
            <Routes>
              <Route path="/login" element={<LoginPage />} />
              <Route path="/register" element={<RegisterPage />} />
              <Route
                element={
                  <RequireAuth>
                    <Layout />
                  </RequireAuth>
                }
              >
                <Route index element={<MarketsPage />} />
                <Route path="/markets" element={<MarketsPage />} />
                <Route path="/trade/:symbol" element={<TradePage />} />
                <Route path="/wallet" element={<WalletPage />} />
                <Route path="/reports" element={<ReportsPage />} />
                <Route path="/notifications" element={<NotificationsPage />} />
                <Route path="/api-keys" element={<ApiKeysPage />} />
                <Route
                  path="/traces"
                  element={
                    <Suspense fallback={loading}>
                      <TracesPage />
                    </Suspense>
                  }
                />
                <Route
                  path="/traces/:traceId"
                  element={
                    <Suspense fallback={loading}>
                      <TracePage />
                    </Suspense>
                  }
                />
                <Route path="*" element={<Navigate to="/" replace />} />
              </Route>
            </Routes>
          </BrowserRouter>
        </StreamProvider>
      </ToastProvider>
    </QueryClientProvider>
  );
}
