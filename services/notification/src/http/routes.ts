import { actorOf, type HttpServer } from '@exchange/platform';
import { notificationEnvelopeSchema, notificationListQuerySchema, notificationListSchema } from '@exchange/contracts';
import { z } from 'zod';
import type { NotificationDeps } from '../app/notification-deps.js';
import { listNotifications, markNotificationRead } from '../app/read-notifications.js';

const notificationParams = z.object({ id: z.uuid() });

/** The notification service's internal API, called by the gateway for the user it asserts. */
export function registerRoutes(app: HttpServer, deps: NotificationDeps): void {
  app.get('/notifications', { schema: { querystring: notificationListQuerySchema, response: { 200: notificationListSchema } } }, async (request) =>
    listNotifications(deps, actorOf(request).id, request.query),
  );

  app.post('/notifications/:id/read', { schema: { params: notificationParams, response: { 200: notificationEnvelopeSchema } } }, async (request) => ({
    notification: await markNotificationRead(deps, actorOf(request).id, request.params.id),
  }));
}
