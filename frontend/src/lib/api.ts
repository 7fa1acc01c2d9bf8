/** The exchange, as the app calls it: the typed client (@exchange/client); TanStack Query does the caching and refetching. */
import { createExchangeClient, type PublicRouteName } from '@exchange/client';
import { getToken, setToken } from './auth-store';
import { config } from './config';

export { ExchangeApiError as ApiError } from '@exchange/client';

export const exchange = createExchangeClient({
  baseUrl: () => config().gatewayUrl,
  token: getToken,
  // an expired or revoked token: back to the login screen
  onUnauthorized: () => setToken(null),
});

/** Fetches a file through a route (with the token) and hands it to the browser as a download. */
export async function download<K extends PublicRouteName>(name: K, request: Parameters<typeof exchange.raw<K>>[1], fallbackName: string): Promise<void> {
  const response = await exchange.raw(name, request);
  const blob = await response.blob();
  const disposition = response.headers.get('content-disposition') ?? '';
  const fileName = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function newId(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}
