import { z } from 'zod';
import { userSchema } from './auth.js';
import { notificationSchema } from './market-data.js';
import { fillSchema, orderSchema } from './orders.js';
import { balanceSchema } from './wallet.js';

export const DASHBOARD_PARTS = ['user', 'balances', 'openOrders', 'recentTrades', 'unreadNotifications'] as const;
export type DashboardPart = (typeof DASHBOARD_PARTS)[number];

/**
 * GET /v1/dashboard: everything a trading screen opens with, in one call. A part whose service did
 * not answer is null and listed in `unavailable` with the error it gave; the rest is still there.
 */
export const dashboardSchema = z
  .object({
    user: userSchema.nullable(),
    balances: z.array(balanceSchema).nullable(),
    openOrders: z.array(orderSchema).nullable(),
    recentTrades: z.array(fillSchema).nullable(),
    unreadNotifications: z.object({ count: z.number().int().min(0), items: z.array(notificationSchema) }).nullable(),
    unavailable: z.array(z.object({ part: z.enum(DASHBOARD_PARTS), code: z.string(), message: z.string() })),
  })
  .meta({ id: 'Dashboard' });
export type Dashboard = z.infer<typeof dashboardSchema>;
