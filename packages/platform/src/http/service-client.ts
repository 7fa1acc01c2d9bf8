import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { CALLER_HEADER, type ErrorCode, errorBodySchema, isErrorCode, type ServiceName, USER_ASSERTION_HEADER } from '@exchange/contracts';
import { performance } from 'node:perf_hooks';
import { observeServiceCall } from '../dependency-metrics.js';
import { AppError } from '../errors.js';
import type { ActorCredential, ServiceIdentity } from '../identity/tokens.js';

export interface ServiceClientOptions {
  /** the upstream's process name, used in messages and error details, and the audience of our tokens */
  service: ServiceName;
  /** this process's identity, which signs every request (tests of a bare service may leave it out) */
  identity?: ServiceIdentity;
  baseUrl: string;
  timeoutMs: number;
  connections?: number;
}

export interface ServiceRequest {
  method: Dispatcher.HttpMethod;
  path: string;
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string | undefined>;
  /** the end user this request acts for: the gateway's assertion travels with it unchanged */
  actor?: ActorCredential;
}

export interface ServiceResponse {
  statusCode: number;
  /** the parsed JSON, or the text when the answer is not JSON (a CSV file, say): what its contract parses */
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** Refusals of the calling process itself, which must never reach an end user as their own 401/403. */
const INTERNAL_REFUSALS: ReadonlySet<ErrorCode> = new Set(['CALLER_UNAUTHENTICATED', 'CALLER_NOT_ALLOWED']);

const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/**
 * Calls another service over a keep-alive connection pool. The trace context travels in the
 * `traceparent` header (undici is instrumented). An upstream's API error comes back as the same
 * AppError (same code and status); an unreachable upstream is 503 SERVICE_UNAVAILABLE; a slow one
 * 504 UPSTREAM_TIMEOUT.
 */
export class ServiceClient {
  private readonly pool: Pool;

  constructor(private readonly options: ServiceClientOptions) {
    this.pool = new Pool(options.baseUrl, {
      connections: options.connections ?? 64,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connectTimeout: Math.min(options.timeoutMs, 2000),
    });
  }

  /** the upstream's process name */
  get service(): ServiceName {
    return this.options.service;
  }

  /** One request; callers go through `callRoute`, which parses the answer with the route's contract. */
  async request(request: ServiceRequest): Promise<ServiceResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      if (value !== undefined) headers[name] = value;
    }
    if (this.options.identity) headers[CALLER_HEADER] = await this.options.identity.callerToken(this.options.service);
    if (request.actor) headers[USER_ASSERTION_HEADER] = request.actor.assertion;
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }
    let response: Dispatcher.ResponseData;
    const startedAt = performance.now();
    try {
      response = await this.pool.request({
        method: request.method,
        path: withQuery(request.path, request.query),
        headers,
        body,
      });
    } catch (error) {
      const failure = this.transportError(error);
      observeServiceCall(this.options.service, request.method, failure.code, startedAt);
      throw failure;
    }
    const text = await response.body.text();
    observeServiceCall(this.options.service, request.method, String(response.statusCode), startedAt);
    const parsed = parseJson(text);
    if (response.statusCode >= 400) throw this.apiError(response.statusCode, parsed);
    return { statusCode: response.statusCode, body: parsed, headers: response.headers };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private transportError(error: unknown): AppError {
    const code = (error as { code?: string }).code ?? '';
    const service = this.options.service;
    if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
      return new AppError('UPSTREAM_TIMEOUT', `${service} did not answer in time`, { service }, { cause: error });
    }
    if (CONNECT_FAILURES.has(code) || error instanceof undiciErrors.SocketError) {
      return new AppError('SERVICE_UNAVAILABLE', `${service} is unavailable`, { service }, { cause: error });
    }
    return new AppError('UPSTREAM_ERROR', `${service} could not be called`, { service }, { cause: error });
  }

  private apiError(statusCode: number, body: unknown): AppError {
    const parsed = errorBodySchema.safeParse(body);
    const error = parsed.success ? parsed.data.error : undefined;
    if (error && isErrorCode(error.code) && INTERNAL_REFUSALS.has(error.code)) {
      // The upstream refused us, not the end user: a misconfigured key or access table is our fault (502).
      const service = this.options.service;
      return new AppError('UPSTREAM_ERROR', `${service} refused this process: ${error.message}`, { service, upstreamCode: error.code });
    }
    if (error && isErrorCode(error.code)) return new AppError(error.code, error.message, error.details, { statusCode });
    const service = this.options.service;
    return new AppError('UPSTREAM_ERROR', `${service} answered ${statusCode}`, { service, upstreamStatus: statusCode });
  }
}

function withQuery(path: string, query: ServiceRequest['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
