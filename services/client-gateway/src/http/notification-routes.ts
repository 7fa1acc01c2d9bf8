import { actorOf, type ContractClient, type HttpServer, serveRoute } from '@exchange/platform';
import { type NOTIFICATION_API, PUBLIC_API } from '@exchange/contracts';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { authenticate } from './authenticate.js';

export interface NotificationRouteOptions {
  notifications: ContractClient<typeof NOTIFICATION_API>;
  verifier: TokenVerifier;
  rateLimit: { max: number; timeWindow: number };
}

/** The caller's inbox: the gateway authenticates and hands each call to the notification service for the caller. */
export function registerNotificationRoutes(app: HttpServer, options: NotificationRouteOptions): void {
  const guarded = { onRequest: authenticate(options.verifier), config: { rateLimit: options.rateLimit } };
  const { notifications } = options;
  serveRoute(app, PUBLIC_API.notifications, ({ query, request }) => notifications.list({ query }, { actor: actorOf(request) }), guarded);
  serveRoute(app, PUBLIC_API.markNotificationRead, ({ params, request }) => notifications.markRead({ params }, { actor: actorOf(request) }), guarded);
}
