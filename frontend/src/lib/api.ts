/** The gateway's REST API: one fetch wrapper; TanStack Query does the caching and refetching. */
import { config } from './config';
import { getToken, setToken } from './auth-store';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | undefined,
    readonly traceId: string | undefined,
    readonly retryAfter?: string,
  ) {
    super(message);
  }
  /** details.fields of a VALIDATION_FAILED error */
  get fields(): Record<string, string[]> {
    const fields = this.details?.fields;
    return fields && typeof fields === 'object' ? (fields as Record<string, string[]>) : {};
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** send the bearer token (default true) */
  auth?: boolean;
  signal?: AbortSignal;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.auth === false ? null : getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${config().gatewayUrl}/v1${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK_ERROR', `The exchange is not reachable at ${config().gatewayUrl}.`, undefined, undefined);
  }
  if (!response.ok) {
    const traceHeader = response.headers.get('x-trace-id') ?? undefined;
    let body: { error?: { code?: string; message?: string; details?: Record<string, unknown>; traceId?: string } } = {};
    try {
      body = await response.json();
    } catch {
      /* not JSON */
    }
    const error = new ApiError(
      response.status,
      body.error?.code ?? `HTTP_${response.status}`,
      body.error?.message ?? response.statusText,
      body.error?.details,
      body.error?.traceId ?? traceHeader,
      response.headers.get('retry-after') ?? undefined,
    );
    // an expired or rejected token: back to the login screen
    if (response.status === 401 && token && error.code === 'UNAUTHENTICATED') setToken(null);
    throw error;
  }
  return response;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** Fetches a file with the token and hands it to the browser as a download. */
export async function download(path: string, fallbackName: string): Promise<void> {
  const response = await send(path, {});
  const blob = await response.blob();
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function newId(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}
