import { AppError } from '@exchange/platform';
import type { Notification, NotificationList, NotificationListQuery } from '@exchange/contracts';
import type { NotificationDeps } from './notification-deps.js';

/** The user's notifications, newest first (`unread=true`: only the unread ones), and how many are unread in all. */
export async function listNotifications(deps: NotificationDeps, userId: string, query: NotificationListQuery): Promise<NotificationList> {
  const [items, unreadCount] = await Promise.all([
    deps.store.list(userId, { isUnreadOnly: query.unread === 'true', limit: query.limit }),
    deps.store.countUnread(userId),
  ]);
  return { items, unreadCount };
}

/** Marks one of the user's notifications read; again is the same answer. Someone else's does not exist for them. */
export async function markNotificationRead(deps: NotificationDeps, userId: string, id: string): Promise<Notification> {
  const notification = await deps.store.markRead(userId, id);
  if (!notification) throw new AppError('NOTIFICATION_NOT_FOUND', `No notification ${id}`);
  return notification;
}
