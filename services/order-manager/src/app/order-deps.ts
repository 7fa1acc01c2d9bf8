import type { Order, PlaceOrderRequest, RISK_MANAGER_API, WALLET_API } from '@exchange/contracts';
import type { ActorCredential, Context, ContractClient, Logger, MicroBatcher, OutboxRelay, Retries } from '@exchange/platform';
import type { OrderStore } from '../store/order-store.js';
import type { OrderUpdates } from './order-updates.js';
import type { TradingMetrics } from './trading-metrics.js';

export interface Placed {
  statusCode: 200 | 201;
  order: Order;
}

/** One order to place, as the batcher carries it: who places it, what, and the trace it belongs to. */
export interface Placement {
  actor: ActorCredential;
  request: PlaceOrderRequest;
  hash: string;
  /** the trace context of this order's own placement (its request's, or the gateway's span for it) */
  context: Context;
  /** the context it was handed over in (the request to this process): a batch it starts is traced under it */
  carrier: Context;
  /** when it was submitted, for its own span */
  submittedAt: number;
}

/** What the order use-cases need. */
export interface OrderDeps {
  store: OrderStore;
  /** the risk-manager's order check */
  risk: Pick<ContractClient<typeof RISK_MANAGER_API>, 'checkBatch'>;
  /** the wallet's holds and settlements */
  wallet: Pick<ContractClient<typeof WALLET_API>, 'blockFundsBatch' | 'releaseFunds' | 'settleTrades'>;
  /** new orders, placed together while earlier batches run (`placeOrders`) */
  placements: Pick<MicroBatcher<Placement, Placed>, 'submit' | 'submitMany'>;
  /** woken after a commit that wrote to the outbox */
  relay: Pick<OutboxRelay, 'wake'>;
  logger: Logger;
  /** how long a clientOrderId answers a retry with the order it placed */
  clientOrderIdWindowMs: number;
  /** how long a retry waits for the same order still being placed before answering 409 REQUEST_IN_PROGRESS */
  inProgressWaitMs: number;
  metrics: TradingMetrics;
  /** undos of placements that failed (a dependency briefly down), retried soon with backoff, one at a time per order */
  undoRetries: Pick<Retries, 'schedule' | 'attemptNow'>;
  /** pushes of order changes to their owners, after the commit */
  updates: Pick<OrderUpdates, 'publish'>;
}
