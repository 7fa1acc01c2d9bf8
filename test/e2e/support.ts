import { randomBytes, randomInt } from 'node:crypto';
import { inject } from 'vitest';
import pg from 'pg';
import { createExchangeClient, type ExchangeClient } from '@exchange/client';
import { jaegerTrace, type ReceivedSpan } from '@exchange/platform/testing';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  body?: unknown;
  /** sent as is, for malformed JSON and the like */
  rawBody?: string;
  token?: string;
  /** the client address the gateway sees (X-Forwarded-For from the trusted loopback proxy) */
  ip?: string;
  headers?: Record<string, string>;
}

/** A documentation-range address, different on every call unless the test fixes one. */
export function randomIp(): string {
  return `198.51.${randomInt(0, 255)}.${randomInt(1, 255)}`;
}

export function uniqueEmail(tag = 'user'): string {
  return `${tag}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}@example.com`;
}

export const gatewayUrl = () => inject('gatewayUrl');

export async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { 'x-forwarded-for': options.ip ?? randomIp(), ...options.headers };
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${gatewayUrl()}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/**
 * The exchange's typed client (what a bot author uses), signed in with `token` when given, from an
 * address of its own (the gateway's per-address limits never mix tests). Refusals throw
 * ExchangeApiError; tests of the wire itself use `call`.
 */
export function exchange(token?: string, ip = randomIp()): ExchangeClient {
  return createExchangeClient({ baseUrl: gatewayUrl(), token, headers: { 'x-forwarded-for': ip } });
}

export async function register(email = uniqueEmail(), password = 'correct-horse-battery', name?: string) {
  const { user } = await exchange().register({ body: { email, password, ...(name ? { name } : {}) } });
  return { email, password, user };
}

export async function login(email: string, password: string): Promise<string> {
  return (await exchange().logIn({ body: { email, password } })).accessToken;
}

/** Reads the system's database directly, to prove what a refusal did not write. */
export async function queryDatabase<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: inject('databaseUrl') });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The spans of one trace as Jaeger holds them now (read from its query API). */
export function spansInJaeger(traceId: string): Promise<ReceivedSpan[]> {
  return jaegerTrace(inject('jaegerUrl'), traceId);
}

/**
 * One trace from Jaeger once `isComplete` holds (every process exports on its own schedule, so the
 * parts of a trace arrive one after another); fails with what arrived when it does not in time.
 */
export async function traceInJaeger(traceId: string, isComplete: (spans: ReceivedSpan[]) => boolean, timeoutMs = 15_000): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const spans = await spansInJaeger(traceId);
    if (isComplete(spans)) return spans;
    if (Date.now() > deadline) throw new Error(`trace ${traceId} incomplete in Jaeger: ${spans.map((s) => `${s.service}:${s.name}`).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
