import { envInt } from '@exchange/platform';
import { z } from 'zod';

export const orderManagerConfig = {
  /** this instance's name in the executions consumer groups: a restarted instance must keep it */
  ORDER_MANAGER_CONSUMER_NAME: z.string().min(1).default('order-manager-1'),
  /** how long a clientOrderId answers a retry with the order it placed (open orders: always) */
  ORDER_CLIENT_ID_WINDOW_MS: envInt(86_400_000, 0),
  /** a placement still unfinished after this long died halfway: its hold is released, its row removed */
  ORDER_PENDING_TIMEOUT_MS: envInt(30_000, 5000),
  /** a failed undo of a placement is retried after this many ms, then twice as long each time up to the most */
  ORDER_UNDO_RETRY_FIRST_MS: envInt(100, 1),
  ORDER_UNDO_RETRY_MAX_MS: envInt(1000, 1),
  /** placements in one batch at most, batches at once, and placements waiting at most (past it: 503) */
  ORDER_BATCH_MAX: envInt(200, 1),
  ORDER_BATCHES_IN_FLIGHT: envInt(2, 1),
  ORDER_QUEUE_MAX: envInt(2000, 1),
  /** ms the oldest waiting placement may have waited before new ones are refused (503) until the line moves */
  ORDER_QUEUE_MAX_WAIT_MS: envInt(250, 1),
  /**
   * the reconciliation with the engine: every this many ms, open orders older than the age are
   * checked against the engine's books, and one whose command the engine never got is sent again
   */
  ORDER_RECONCILE_INTERVAL_MS: envInt(60_000, 100),
  ORDER_RECONCILE_AGE_MS: envInt(30_000, 0),
  /** how long a retried placement waits for the same order still being placed before answering 409 REQUEST_IN_PROGRESS */
  IDEMPOTENCY_WAIT_MS: envInt(2000, 1),
};
