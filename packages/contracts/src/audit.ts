import { z } from 'zod';
import { SERVICE_NAMES, type ServiceName } from './processes.js';

/**
 * The audit of a running system. Each service answers for its own data (`GET /audit` on its
 * internal API): the invariants it can check alone, where it stands in every stream it writes or
 * reads, and fingerprints of the sets another service must hold too (the trades, the resting
 * orders, the holds). The audit (the operator's `npm run audit`, or an admin's
 * `GET /v1/admin/audit`) combines the answers: equal sets, every stream delivered.
 */

/** One invariant with what was counted (exact integers as text). */
export const auditCheckSchema = z.object({
  name: z.string().min(1),
  ok: z.boolean(),
  /** what was found, in a sentence with its numbers */
  detail: z.string(),
  numbers: z.record(z.string(), z.string()).default({}),
});
export type AuditCheck = z.infer<typeof auditCheckSchema>;

/**
 * The sets two or more services hold each a copy of, by name:
 * - `trades` (per symbol): the engine's trades, the order-manager's filled trades, the wallet's
 *   settled trades, the public tape, the reports' trades — each trade id `SYMBOL:n` once;
 * - `resting` (per symbol): the engine's resting orders and the order-manager's open orders, as
 *   `orderId:side:priceTicks:remainingLots`;
 * - `holds` (all symbols): the wallet's open holds and what the order-manager's open orders still
 *   need, as `orderId:asset:amount`;
 * - `filled-orders` (per symbol): the orders the notification service told their owner were filled,
 *   and the orders the order-manager has FILLED.
 */
export const AUDITED_SETS = ['trades', 'resting', 'holds', 'filled-orders'] as const;
export type AuditedSet = (typeof AUDITED_SETS)[number];

/** A set as a count and an order-independent fingerprint (the sum of each member's hash, as text). */
export const auditSetSchema = z.object({
  name: z.enum(AUDITED_SETS),
  /** null: the set is not split by symbol */
  symbol: z.string().min(1).nullable(),
  count: z.number().int().min(0),
  fingerprint: z.string().regex(/^\d+$/),
});
export type AuditSet = z.infer<typeof auditSetSchema>;

/** A stream this service writes: the last number it gave, and the outbox rows not yet published after the grace time. */
export const producedStreamSchema = z.object({ stream: z.string().min(1), lastSeq: z.number().int().min(0), unpublished: z.number().int().min(0) });
/** Where one of this service's consumer groups stands in a stream: the last number it applied. */
export const consumedStreamSchema = z.object({ group: z.string().min(1), stream: z.string().min(1), position: z.number().int().min(0) });

export const serviceAuditSchema = z.object({
  service: z.enum(SERVICE_NAMES as [ServiceName, ...ServiceName[]]),
  checks: z.array(auditCheckSchema),
  produced: z.array(producedStreamSchema),
  consumed: z.array(consumedStreamSchema),
  sets: z.array(auditSetSchema),
});
export type ServiceAudit = z.infer<typeof serviceAuditSchema>;

/** The combined audit: every check, each service's own and those across services, and whether all passed. */
export const auditReportSchema = z.object({
  ok: z.boolean(),
  checkedAt: z.iso.datetime(),
  /** how many times the answers were gathered before they agreed (or the time to settle ran out) */
  rounds: z.number().int().min(1),
  services: z.array(z.enum(SERVICE_NAMES as [ServiceName, ...ServiceName[]])),
  checks: z.array(auditCheckSchema.extend({ service: z.string().min(1) })),
});
export type AuditReport = z.infer<typeof auditReportSchema>;

export const auditQuerySchema = z.object({
  /** how long to wait for answers that disagree to agree (events in flight) before a difference counts */
  settleMs: z.coerce.number().int().min(0).max(120_000).default(10_000),
});
