import type { Logger, OutboxRelay, ServiceClient } from '@exchange/platform';
import type { OrderStore } from '../store/order-store.js';

/** What the order use-cases need. */
export interface OrderDeps {
  store: OrderStore;
  risk: ServiceClient;
  wallet: ServiceClient;
  relay: OutboxRelay;
  logger: Logger;
  /** how long a clientOrderId answers a retry with the order it placed */
  clientOrderIdWindowMs: number;
}
