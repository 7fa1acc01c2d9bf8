import type { z } from 'zod';
import type { OPEN_ROUTE, RouteAccess } from './internal/access.js';

/**
 * One HTTP route as data: its method and path, the schemas of what it takes and answers, and (for
 * an internal route) who may call it. The server registers its routes from these (validating what
 * arrives and what it sends), and every caller calls through them (building what it sends from the
 * types, parsing what comes back): both sides of a message read one schema.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteDocs {
  tags?: readonly string[];
  summary: string;
  description?: string;
  /** the route needs a user's access token (documented as bearer auth) */
  bearer?: boolean;
  /** left out of the OpenAPI document */
  hide?: boolean;
}

export interface RouteContract {
  method: HttpMethod;
  /** Fastify's form: `/orders/:id` */
  path: string;
  params?: z.ZodType;
  query?: z.ZodType;
  headers?: z.ZodType;
  body?: z.ZodType;
  /** what it answers on success, by status */
  responses: Readonly<Record<number, z.ZodType>>;
  /** the refusal statuses it documents (each with the error body) */
  errors?: readonly number[];
  /** internal routes: who may call it, and for which user */
  access?: RouteAccess | typeof OPEN_ROUTE;
  docs?: RouteDocs;
  /** a public route an API key may call, with the scope it needs (none: a user's session only) */
  apiKeyScope?: 'read' | 'trade';
}

/** Keeps the contract's literal types, so that handlers and callers are typed from it. */
export function defineRoute<const C extends RouteContract>(contract: C): C {
  return contract;
}

/** A service's (or the gateway's) routes, by the name callers use. */
export type Api = Readonly<Record<string, RouteContract>>;

type Schema<C, K extends keyof RouteContract> = C extends { [P in K]: infer S extends z.ZodType } ? S : undefined;

/** What the server receives, parsed. */
export type ParsedParams<C> = Schema<C, 'params'> extends z.ZodType ? z.output<Schema<C, 'params'>> : undefined;
export type ParsedQuery<C> = Schema<C, 'query'> extends z.ZodType ? z.output<Schema<C, 'query'>> : undefined;
export type ParsedBody<C> = Schema<C, 'body'> extends z.ZodType ? z.output<Schema<C, 'body'>> : undefined;

/** What a caller sends: the schemas' input types, each part only where the route has one. */
export type RouteRequest<C> = (Schema<C, 'params'> extends z.ZodType ? { params: z.input<Schema<C, 'params'>> } : { params?: undefined }) &
  (Schema<C, 'query'> extends z.ZodType ? { query?: z.input<Schema<C, 'query'>> } : { query?: undefined }) &
  (Schema<C, 'body'> extends z.ZodType ? { body: z.input<Schema<C, 'body'>> } : { body?: undefined }) &
  (Schema<C, 'headers'> extends z.ZodType ? { headers?: z.input<Schema<C, 'headers'>> } : { headers?: undefined });

/** What the route answers on success, parsed (any of its success statuses). */
export type RouteResponse<C> = C extends { responses: infer R extends Readonly<Record<number, z.ZodType>> }
  ? { [S in keyof R]: z.output<R[S]> }[keyof R]
  : never;

/** What a handler may return: the input of a success schema (the server serializes it through that schema). */
export type RouteReply<C> = C extends { responses: infer R extends Readonly<Record<number, z.ZodType>> } ? { [S in keyof R]: z.input<R[S]> }[keyof R] : never;

/** `/orders/:id` with `{ id: 'x' }` → `/orders/x` (each value URL-encoded). */
export function routePath(path: string, params: Record<string, unknown> | undefined): string {
  return path.replace(/:([A-Za-z_]+)/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null) throw new Error(`${path} needs the parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

/** `METHOD /path`, how the access table and the docs name a route. */
export function routeKey(contract: Pick<RouteContract, 'method' | 'path'>): string {
  return `${contract.method} ${contract.path}`;
}
