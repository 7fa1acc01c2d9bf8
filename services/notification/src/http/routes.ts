import type { HttpServer } from '@exchange/platform';
import { notificationEnvelopeSchema, notificationListQuerySchema, notificationListSchema } from '@exchange/contracts';
import { z } from 'zod';
import type { NotificationDeps } from '../app/notification-deps.js';
import { listNotifications, markNotificationRead } from '../app/read-notifications.js';

const userQuery = z.object({ userId: z.uuid() });
const notificationParams = z.object({ id: z.uuid() });

/** The notification service's internal API, called by the gateway on behalf of an authenticated user. */
export function registerRoutes(app: HttpServer, deps: NotificationDeps): void {
  app.get(
    '/notifications',
    { schema: { querystring: notificationListQuerySchema.extend(userQuery.shape), response: { 200: notificationListSchema } } },
    async (request) => {
      const { userId, ...query } = request.query;
      return listNotifications(deps, userId, query);
    },
  );

  app.post(
    '/notifications/:id/read',
    { schema: { params: notificationParams, querystring: userQuery, response: { 200: notificationEnvelopeSchema } } },
    async (request) => ({ notification: await markNotificationRead(deps, request.query.userId, request.params.id) }),
  );
}
