import {
  type Api,
  errorBodySchema,
  type ParsedBody,
  type ParsedParams,
  type ParsedQuery,
  type RouteContract,
  type RouteReply,
  type RouteRequest,
  type RouteResponse,
  routePath,
} from '@exchange/contracts';
import type { FastifyReply, FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import { AppError } from '../errors.js';
import type { ActorCredential } from '../identity/tokens.js';
import type { HttpServer } from './server.js';
import type { ServiceClient } from './service-client.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the contract a route was registered from (every route of ours has one) */
    contract?: RouteContract;
  }
}

/** What a handler receives: the request's parts, parsed by the contract's schemas. */
export interface RouteInput<C> {
  params: ParsedParams<C>;
  query: ParsedQuery<C>;
  body: ParsedBody<C>;
  request: FastifyRequest;
  reply: FastifyReply;
}

export type RouteHandler<C> = (input: RouteInput<C>) => Promise<RouteReply<C>> | RouteReply<C>;

export interface ServeOptions {
  onRequest?: onRequestHookHandler | onRequestHookHandler[];
  preHandler?: preHandlerHookHandler | preHandlerHookHandler[];
  /** route config for plugins (the gateway's rate limits) */
  config?: Record<string, unknown>;
  /** more of Fastify's route options, for plugins (a WebSocket route's `wsHandler`) */
  routeOptions?: Record<string, unknown>;
}

/**
 * Registers one route from its contract: Fastify validates what arrives with the contract's
 * schemas and serializes what the handler returns through the success schema of its status (the
 * sender's side of the contract), documents the refusals it lists with the error body, and keeps
 * the contract on the route, where the access guard and the contract check read it.
 */
export function serveRoute<C extends RouteContract>(app: HttpServer, contract: C, handler: RouteHandler<C>, options: ServeOptions = {}): void {
  const response: Record<number, unknown> = { ...contract.responses };
  for (const status of contract.errors ?? []) response[status] = errorBodySchema;
  const docs = contract.docs;
  const schema = Object.fromEntries(
    Object.entries({
      params: contract.params,
      querystring: contract.query,
      headers: contract.headers,
      body: contract.body,
      response,
      tags: docs?.tags,
      summary: docs?.summary,
      description: docs?.description,
      security: docs?.bearer ? [{ bearerAuth: [] }] : undefined,
      hide: docs?.hide,
    }).filter(([, value]) => value !== undefined),
  );
  app.route({
    method: contract.method,
    url: contract.path,
    schema,
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    ...(options.preHandler ? { preHandler: options.preHandler } : {}),
    ...options.routeOptions,
    config: { ...options.config, contract },
    // Fastify validated each part with the very schemas of C before this runs: these are C's parsed types
    handler: async (request, reply) =>
      handler({
        params: request.params as ParsedParams<C>,
        query: request.query as ParsedQuery<C>,
        body: request.body as ParsedBody<C>,
        request,
        reply,
      }),
  });
}

/** Every route of an API, each with its handler: a contract without a handler does not compile. */
export function serveApi<A extends Api>(app: HttpServer, api: A, handlers: { [K in keyof A]: RouteHandler<A[K]> }): void {
  for (const name of Object.keys(api) as Array<keyof A & string>) serveRoute(app, api[name]!, handlers[name]);
}

export interface CallOptions {
  /** the end user the call acts for: the gateway's assertion travels with it */
  actor?: ActorCredential;
  headers?: Record<string, string | undefined>;
}

export interface CallAnswer<C> {
  status: number;
  body: RouteResponse<C>;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Calls one route of another process as its contract says: the path from the parameters, the query
 * and body as the schemas' input types; the answer parsed with the success schema of its status
 * (the receiver's side of the contract). An answer the contract does not allow is the upstream's
 * fault: 502 UPSTREAM_ERROR, never a value of the wrong shape handed on.
 */
export async function callRoute<C extends RouteContract>(
  client: ServiceClient,
  contract: C,
  request: RouteRequest<C>,
  options: CallOptions = {},
): Promise<CallAnswer<C>> {
  const answer = await client.request({
    method: contract.method,
    path: routePath(contract.path, request.params as Record<string, unknown> | undefined),
    query: request.query as Record<string, string | number | boolean | undefined> | undefined,
    body: request.body,
    headers: { ...(request.headers as Record<string, string | undefined> | undefined), ...options.headers },
    actor: options.actor,
  });
  const schema = contract.responses[answer.statusCode];
  const parsed = schema?.safeParse(answer.body);
  if (!parsed?.success) {
    throw new AppError('UPSTREAM_ERROR', `${client.service} answered ${contract.method} ${contract.path} outside its contract`, {
      service: client.service,
      upstreamStatus: answer.statusCode,
      ...(parsed ? { problems: parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.')}: ${issue.message}`) } : {}),
    });
  }
  return { status: answer.statusCode, body: parsed.data as RouteResponse<C>, headers: answer.headers };
}

/** A process's API as methods: `wallet.blockFunds({ body }, { actor })`, each typed and checked by its contract. */
export type ContractClient<A extends Api> = {
  [K in keyof A]: (request: RouteRequest<A[K]>, options?: CallOptions) => Promise<RouteResponse<A[K]>>;
};

export function contractClient<A extends Api>(client: ServiceClient, api: A): ContractClient<A> {
  const methods = {} as Record<string, (request: RouteRequest<RouteContract>, options?: CallOptions) => Promise<unknown>>;
  for (const [name, contract] of Object.entries(api)) {
    methods[name] = async (request, options) => (await callRoute(client, contract, request, options)).body;
  }
  return methods as ContractClient<A>;
}
