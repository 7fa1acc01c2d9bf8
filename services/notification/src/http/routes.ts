import { actorOf, type HttpServer, serveApi } from '@exchange/platform';
import { NOTIFICATION_API, type ServiceAudit } from '@exchange/contracts';
import type { NotificationDeps } from '../app/notification-deps.js';
import { listNotifications, markNotificationRead } from '../app/read-notifications.js';

/** The notification service's internal API (NOTIFICATION_API), called by the gateway for the user it asserts. */
export function registerRoutes(app: HttpServer, deps: NotificationDeps, audit: () => Promise<ServiceAudit>): void {
  serveApi(app, NOTIFICATION_API, {
    audit,
    list: ({ query, request }) => listNotifications(deps, actorOf(request).id, query),
    markRead: async ({ params, request }) => ({ notification: await markNotificationRead(deps, actorOf(request).id, params.id) }),
  });
}
