import { errorBodySchema, PUBLIC_API, routePath, type RouteContract, type RouteRequest, type RouteResponse } from '@exchange/contracts';
import { ExchangeApiError } from './errors.js';

/** The public routes a client calls (the WebSocket stream has its own client, ExchangeStream). */
type PublicRoutes = Omit<typeof PUBLIC_API, 'stream' | 'placeOrderAlias'>;
export type PublicRouteName = keyof PublicRoutes;

/** What `placeOrder` sends: a new order as the exchange's contract takes it. */
export type PlaceOrderInput = RouteRequest<typeof PUBLIC_API.placeOrder>['body'];

export interface CallOptions {
  signal?: AbortSignal;
}

/** A route's method: its request (omittable when every part of it is), typed by its contract. */
type RouteMethod<C> =
  Record<never, never> extends RouteRequest<C>
    ? (request?: RouteRequest<C>, options?: CallOptions) => Promise<RouteResponse<C>>
    : (request: RouteRequest<C>, options?: CallOptions) => Promise<RouteResponse<C>>;

/**
 * Every public route by name — `markets()`, `placeOrder({ body })`, `cancelOrder({ params: { id } })`
 * — and `raw()` for the answer as it came (a file download).
 */
export type ExchangeClient = { [K in PublicRouteName]: RouteMethod<PublicRoutes[K]> } & {
  raw<K extends PublicRouteName>(name: K, request?: RouteRequest<PublicRoutes[K]>, options?: CallOptions): Promise<Response>;
};

export interface ExchangeClientOptions {
  /** The gateway, e.g. `http://127.0.0.1:8347`; a function is read at every call. */
  baseUrl: string | (() => string);
  /** The access token sent as `Authorization: Bearer`; a function is read at every call. */
  token?: string | null | (() => string | null | undefined);
  /** Called when the exchange refuses the token the client sent (expired, or revoked). */
  onUnauthorized?: () => void;
  /** Another fetch (a test's, or one with a proxy); the global one by default. */
  fetch?: typeof fetch;
  /** Headers for every request (a User-Agent for a bot, say). */
  headers?: Record<string, string>;
  /**
   * Signs each request with an API key instead of a token: `apiKeySigner(...)` from
   * `@exchange/client/signing`, or any function giving the headers for a request as sent.
   */
  signer?: (request: { method: string; path: string; query: string; body: string }) => Record<string, string> | Promise<Record<string, string>>;
}

const read = <T>(value: T | (() => T)): T => (typeof value === 'function' ? (value as () => T)() : value);

function queryString(query: unknown): string {
  if (!query || typeof query !== 'object') return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function refusal(response: Response): Promise<ExchangeApiError> {
  const retryAfter = response.headers.get('retry-after') ?? undefined;
  const traceHeader = response.headers.get('x-trace-id') ?? undefined;
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return new ExchangeApiError(response.status, `HTTP_${response.status}`, response.statusText, undefined, traceHeader, retryAfter);
  const { code, message, details, traceId } = parsed.data.error;
  return new ExchangeApiError(response.status, code, message, details, traceId ?? traceHeader, retryAfter);
}

/**
 * A client of the exchange's public API, built from its contracts: each route's request is typed by
 * the route's schemas, and each answer is parsed by the schema of its status before it is handed
 * over, so what a caller gets is what the contract says (an answer outside it is an error, never
 * passed on). Refusals arrive as ExchangeApiError with the exchange's stable code.
 */
export function createExchangeClient(options: ExchangeClientOptions): ExchangeClient {
  const send = async (contract: RouteContract, request: RouteRequest<RouteContract> = {}, call: CallOptions = {}): Promise<Response> => {
    const headers: Record<string, string> = { ...options.headers };
    // the route's own headers (an Idempotency-Key, say)
    for (const [name, value] of Object.entries(request.headers ?? {})) if (typeof value === 'string') headers[name] = value;
    const token = read(options.token) ?? undefined;
    if (token) headers.authorization = `Bearer ${token}`;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const base = read(options.baseUrl).replace(/\/+$/, '');
    const path = routePath(contract.path, request.params as Record<string, unknown> | undefined);
    const query = queryString(request.query);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    if (options.signer) Object.assign(headers, await options.signer({ method: contract.method, path, query: query.slice(1), body: body ?? '' }));
    let response: Response;
    try {
      response = await (options.fetch ?? fetch)(`${base}${path}${query}`, {
        method: contract.method,
        headers,
        body,
        signal: call.signal,
      });
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') throw error;
      throw new ExchangeApiError(0, 'NETWORK_ERROR', `The exchange is not reachable at ${base}`, undefined, undefined);
    }
    if (response.ok) return response;
    const error = await refusal(response);
    if (response.status === 401 && token && error.code === 'UNAUTHENTICATED') options.onUnauthorized?.();
    throw error;
  };

  const call = async (contract: RouteContract, request?: RouteRequest<RouteContract>, callOptions?: CallOptions): Promise<unknown> => {
    const response = await send(contract, request, callOptions);
    const schema = contract.responses[response.status];
    const traceId = response.headers.get('x-trace-id') ?? undefined;
    if (!schema)
      throw new ExchangeApiError(response.status, 'UNEXPECTED_RESPONSE', `${contract.method} ${contract.path} answered ${response.status}`, undefined, traceId);
    const isJson = (response.headers.get('content-type') ?? '').includes('json');
    const body: unknown = isJson ? await response.json() : await response.text();
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const where = parsed.error.issues[0];
      const detail = where ? `${where.path.join('.')}: ${where.message}` : '';
      throw new ExchangeApiError(
        response.status,
        'INVALID_RESPONSE',
        `${contract.method} ${contract.path} answered outside its contract (${detail})`,
        undefined,
        traceId,
      );
    }
    return parsed.data;
  };

  const client: Record<string, unknown> = {
    raw: (name: PublicRouteName, request?: RouteRequest<RouteContract>, callOptions?: CallOptions) => send(PUBLIC_API[name], request, callOptions),
  };
  for (const [name, contract] of Object.entries(PUBLIC_API)) {
    if (name === 'stream' || name === 'placeOrderAlias') continue;
    client[name] = (request?: RouteRequest<RouteContract>, callOptions?: CallOptions) => call(contract, request, callOptions);
  }
  return client as ExchangeClient;
}
