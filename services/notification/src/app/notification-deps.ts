import type { Logger, MarketDirectory } from '@exchange/platform';
import type { UserPushes } from '../events/user-pushes.js';
import type { NotificationStore } from '../store/notification-store.js';

/** What the notification use-cases need. */
export interface NotificationDeps {
  store: NotificationStore;
  /** tick and lot sizes, to read the engine's events */
  markets: Pick<MarketDirectory, 'get'>;
  pushes: UserPushes;
  logger: Logger;
}
