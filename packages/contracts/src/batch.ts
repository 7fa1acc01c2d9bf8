import { z } from 'zod';
import { errorDetailsSchema } from './errors.js';

/**
 * Batches between processes: many requests in one call, each item answered on its own. A batch
 * carries many users' requests, so each item carries its own user's assertion (the gateway's signed
 * statement of who the user is), checked per item like the header of a single request; and one
 * item's refusal never fails the others.
 */

/** The gateway's signed assertion of the user an item acts for. */
export const itemAssertionSchema = z.string().min(1).max(4096);

/** One item's refusal: the status and the error a single request would have answered. */
export const itemRefusalSchema = z.object({
  ok: z.literal(false),
  status: z.number().int().min(400).max(599),
  error: z.object({ code: z.string(), message: z.string(), details: errorDetailsSchema.optional() }),
});
export type ItemRefusal = z.infer<typeof itemRefusalSchema>;

/** The answer of a batch: one result per item, in the items' order. */
export function batchResultsSchema<S extends z.ZodType>(value: S) {
  return z.object({ results: z.array(z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), value }), itemRefusalSchema])) });
}
export type BatchResult<T> = { ok: true; value: T } | ItemRefusal;

/** The most items a batch between processes may carry. */
export const MAX_BATCH_ITEMS = 500;
