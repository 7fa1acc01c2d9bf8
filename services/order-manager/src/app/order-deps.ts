import type { RISK_MANAGER_API, WALLET_API } from '@exchange/contracts';
import type { ContractClient, Logger, MicroBatcher, OutboxRelay } from '@exchange/platform';
import type { OrderStore } from '../store/order-store.js';
import type { OrderUpdates } from './order-updates.js';
import type { Placed, Placement } from './place-order.js';
import type { TradingMetrics } from './trading-metrics.js';

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
  /** pushes of order changes to their owners, after the commit */
  updates: Pick<OrderUpdates, 'publish'>;
}
