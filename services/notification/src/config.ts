import { z } from 'zod';

export const notificationConfig = {
  /** this instance's name in the executions and wallet-events consumer groups: a restarted instance must keep it */
  NOTIFICATION_CONSUMER_NAME: z.string().min(1).default('notification-1'),
};
