import { actorOf, type HttpServer, type ServiceClient } from '@exchange/platform';
import {
  errorBodySchema,
  notificationEnvelopeSchema,
  notificationListQuerySchema,
  notificationListSchema,
  type NotificationEnvelope,
  type NotificationList,
} from '@exchange/contracts';
import { z } from 'zod';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { authenticate } from './authenticate.js';

export interface NotificationRouteOptions {
  notifications: ServiceClient;
  verifier: TokenVerifier;
  rateLimit: { max: number; timeWindow: number };
}

const notificationParams = z.object({ id: z.uuid() });
const errors = { 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema, 429: errorBodySchema };

/** The caller's inbox: the gateway authenticates and hands each call to the notification service for the caller. */
export function registerNotificationRoutes(app: HttpServer, options: NotificationRouteOptions): void {
  const guarded = { onRequest: authenticate(options.verifier), config: { rateLimit: options.rateLimit } };
  const security = [{ bearerAuth: [] }];

  app.get(
    '/v1/notifications',
    {
      ...guarded,
      schema: {
        tags: ['notifications'],
        summary: 'Your notifications, newest first (unread=true: only the unread ones), with the number unread',
        security,
        querystring: notificationListQuerySchema,
        response: { 200: notificationListSchema, ...errors },
      },
    },
    async (request) => (await options.notifications.get<NotificationList>('/notifications', { query: request.query, actor: actorOf(request) })).body,
  );

  app.post(
    '/v1/notifications/:id/read',
    {
      ...guarded,
      schema: {
        tags: ['notifications'],
        summary: 'Mark one of your notifications read (again: the same answer)',
        security,
        params: notificationParams,
        response: { 200: notificationEnvelopeSchema, ...errors },
      },
    },
    async (request) =>
      (
        await options.notifications.post<NotificationEnvelope>(`/notifications/${request.params.id}/read`, undefined, {
          actor: actorOf(request),
        })
      ).body,
  );
}
