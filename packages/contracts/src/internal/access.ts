import { SERVICE_NAMES, type ServiceName } from '../processes.js';

/**
 * Who may call an internal route. Every internal request carries the caller's own signed identity
 * (`x-exchange-caller`), and — when it acts for an end user — the user's identity as the gateway
 * signed it (`x-exchange-user`), which a service passes on but can never mint. Each route's contract
 * (internal/apis.ts) says who it accepts; the platform checks both on every request, and a route
 * without a contract cannot be registered.
 */

/**
 * Callers: the processes, plus `operator`, the identity of the operator's own tools (the audit, the
 * benchmark's checks), which `npm start` creates beside the processes' keys.
 */
export const CALLER_NAMES = [...SERVICE_NAMES, 'operator'] as const;
export type CallerName = ServiceName | 'operator';

export function isCallerName(name: string): name is CallerName {
  return (CALLER_NAMES as readonly string[]).includes(name);
}

/** Headers of an internal request: the caller's token and the end user's assertion. */
export const CALLER_HEADER = 'x-exchange-caller';
export const USER_ASSERTION_HEADER = 'x-exchange-user';

/**
 * The end user a route needs:
 * - `none`: the caller acts on its own (settlement, a market look-up); an assertion is ignored;
 * - `any`: with or without an end user (a hold released by a user's cancel or by the janitor);
 * - `user`: a signed-in user of any role, asserted by the gateway;
 * - `admin`: a signed-in admin, asserted by the gateway;
 * - `each`: a batch; every item carries its own user's assertion (`items` says where), each checked
 *   as the header of a single request would be.
 */
export type ActorRequirement = 'none' | 'any' | 'user' | 'admin' | 'each';

/** A request field: `params.userId`, `query.userId`, `body.userId`. */
export type RequestField = `${'params' | 'query' | 'body'}.${string}`;

export interface RouteAccess {
  callers: readonly CallerName[];
  actor: ActorRequirement;
  /** fields naming the user the request is about: each must be the asserted user, unless that user is an admin */
  self?: readonly RequestField[];
  /** when this field has one of these values, the asserted user must be an admin (and `self` does not apply) */
  adminWhen?: { field: RequestField; values: readonly string[] };
  /**
   * for `actor: 'each'`: the array of items, each with an `assertion`; `self` names item fields that
   * must be that item's asserted user
   */
  items?: { field: RequestField; self?: readonly string[] };
  /** what the caller does with it, for the documented table */
  purpose: string;
}

/** A route anyone may read: it holds nothing secret (the user-service's public keys). */
export const OPEN_ROUTE = 'open' as const;

/** `METHOD /path` (the path as the route is registered) → who may call it. */
export type AccessTable = Readonly<Record<string, RouteAccess | typeof OPEN_ROUTE>>;
