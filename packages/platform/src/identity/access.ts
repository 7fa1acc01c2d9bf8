import {
  type ActorRequirement,
  CALLER_HEADER,
  type CallerName,
  OPEN_ROUTE,
  type RequestField,
  type RouteAccess,
  type RouteContract,
  routeKey,
  USER_ASSERTION_HEADER,
} from '@exchange/contracts';
import type { FastifyRequest, onRequestHookHandler, preHandlerHookHandler, RouteOptions } from 'fastify';
import { AppError } from '../errors.js';
import type { ActorCredential, ServiceIdentity } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** the process (or operator tool) that sent this internal request, verified */
    caller?: CallerName;
    /** the end user the request acts for, as the gateway asserted it, verified */
    actor?: ActorCredential;
    /** a batch: the user each item acts for, in the items' order, verified */
    itemActors?: ActorCredential[];
  }
}

/** Routes every process serves to anyone: health and metrics carry no user data. */
export const OPERATIONAL_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function fieldOf(request: FastifyRequest, field: RequestField): unknown {
  const [part, name] = field.split('.', 2) as ['params' | 'query' | 'body', string];
  const container = request[part] as Record<string, unknown> | undefined;
  return container?.[name];
}

function notAllowed(message: string): AppError {
  return new AppError('CALLER_NOT_ALLOWED', message);
}

const NEEDS_USER: ReadonlySet<ActorRequirement> = new Set(['user', 'admin']);

/** onRequest: who calls, and for which user; refused before the body is even read. */
function checkCaller(identity: ServiceIdentity, route: string, rule: RouteAccess): onRequestHookHandler {
  return async (request) => {
    const caller = await identity.verifyCaller(header(request, CALLER_HEADER));
    if (!rule.callers.includes(caller)) throw notAllowed(`${caller} may not call ${route}`);
    request.caller = caller;
    if (rule.actor === 'none' || rule.actor === 'each') return;
    const assertion = header(request, USER_ASSERTION_HEADER);
    if (assertion) request.actor = await identity.verifyActor(assertion);
    if (NEEDS_USER.has(rule.actor) && !request.actor) throw notAllowed(`${route} acts for a signed-in user, and no user was asserted`);
    if (rule.actor === 'admin' && request.actor?.role !== 'admin') throw notAllowed(`${route} is for admins`);
  };
}

/** preHandler (after validation): the user a request is about must be the asserted user, or an admin's business. */
function checkSubject(route: string, rule: RouteAccess): preHandlerHookHandler {
  return async (request) => {
    const actor = request.actor;
    if (rule.adminWhen) {
      const value = fieldOf(request, rule.adminWhen.field);
      if (typeof value === 'string' && rule.adminWhen.values.includes(value)) {
        if (actor?.role !== 'admin') throw notAllowed(`${route} with ${rule.adminWhen.field} ${value} is for admins`);
        return;
      }
    }
    for (const field of rule.self ?? []) {
      const value = fieldOf(request, field);
      if (value === undefined || actor?.role === 'admin') continue;
      if (value !== actor?.id) throw notAllowed(`${route}: ${field} must be the asserted user`);
    }
  };
}

/**
 * preHandler (after validation) of a batch route: every item's assertion is verified (a cache hit
 * for a user seen in the last minute), and the fields of an item that name a user must name its
 * asserted user. One forged or foreign item refuses the whole batch: a caller that sends one is
 * not to be trusted with the rest.
 */
function checkItems(identity: ServiceIdentity, route: string, items: NonNullable<RouteAccess['items']>): preHandlerHookHandler {
  return async (request) => {
    const list = fieldOf(request, items.field);
    if (!Array.isArray(list)) throw notAllowed(`${route}: ${items.field} is not a list of items`);
    const actors: ActorCredential[] = [];
    for (const [index, item] of list.entries()) {
      const fields = item !== null && typeof item === 'object' ? new Map(Object.entries(item)) : new Map<string, unknown>();
      const assertion = fields.get('assertion');
      if (typeof assertion !== 'string') throw notAllowed(`${route}: item ${index} carries no user assertion`);
      const actor = await identity.verifyActor(assertion);
      for (const field of items.self ?? []) {
        if (actor.role !== 'admin' && fields.get(field) !== actor.id) throw notAllowed(`${route}: item ${index}'s ${field} must be its asserted user`);
      }
      actors.push(actor);
    }
    request.itemActors = actors;
  };
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * The one place internal routes are guarded: each route registered on the server carries its
 * contract, whose `access` says who may call it (a route without one stops the process at start),
 * and gets the hooks that enforce it. Fastify's HEAD twin of a GET carries the GET's contract.
 */
export function guardRoute(route: RouteOptions, identity: ServiceIdentity): void {
  if (OPERATIONAL_ROUTES.has(route.url)) return;
  const contract = (route.config as { contract?: RouteContract } | undefined)?.contract;
  const key = contract ? routeKey(contract) : `${String(route.method)} ${route.url}`;
  const rule = contract?.access;
  if (!rule) throw new Error(`${key} is an internal route without an access rule in its contract (packages/contracts/src/internal/apis.ts)`);
  if (rule === OPEN_ROUTE) return;
  route.onRequest = [checkCaller(identity, key, rule), ...asArray(route.onRequest)];
  if (rule.actor === 'each') {
    if (!rule.items) throw new Error(`${key} acts for each item's user but names no items`);
    route.preHandler = [checkItems(identity, key, rule.items), ...asArray(route.preHandler)];
  } else if (rule.self || rule.adminWhen) route.preHandler = [checkSubject(key, rule), ...asArray(route.preHandler)];
}

/** The users of a batch's items, in order (a route whose access is `each`). */
export function itemActorsOf(request: FastifyRequest): ActorCredential[] {
  if (!request.itemActors) throw new Error('this route is not a batch of asserted items: its access must be `each`');
  return request.itemActors;
}

/** The asserted user of a request on a route whose entry requires one. */
export function actorOf(request: FastifyRequest): ActorCredential {
  if (!request.actor) throw new Error('this route has no asserted user: its access entry must require one');
  return request.actor;
}
