import { CASH_ASSET, parseAsset } from '@exchange/contracts';
import { z } from 'zod';
import { fundsAddedNotice, type NotificationDraft } from './notices.js';

/** A change of one of the user's balances, for the user's live channel. */
export interface BalanceSignal {
  userId: string;
  asset: string;
}

export interface WalletPlan {
  notices: NotificationDraft[];
  /** once per user and asset the event changed */
  balances: BalanceSignal[];
}

const asset = z.string().min(1);
const userId = z.uuid();
// the wallet-service's payloads (services/wallet-service/src/app): only what this service uses
const fundsAddedSchema = z.object({
  transactionId: z.string().min(1),
  userId,
  kind: z.enum(['DEPOSIT', 'CREDIT']).default('DEPOSIT'),
  asset,
  amount: z.string(),
});
const holdChangedSchema = z.object({ userId, asset });
const tradeSettledSchema = z.object({ symbol: asset, buyer: z.object({ userId }), seller: z.object({ userId }) });

/**
 * Pure: what one event of `wallet-events` calls for. Only a deposit or credit goes to the inbox;
 * holds, releases and settlements change balances the user sees, so they are signalled live.
 * Throws on a payload that is not what the wallet-service publishes.
 */
export function planWalletEvent(type: string, data: unknown): WalletPlan {
  const plan: WalletPlan = { notices: [], balances: [] };
  const signal = (user: string, changed: string) => {
    if (!plan.balances.some((b) => b.userId === user && b.asset === changed)) plan.balances.push({ userId: user, asset: changed });
  };
  if (type === 'funds_added') {
    const event = fundsAddedSchema.parse(data);
    plan.notices.push(fundsAddedNotice({ ...event, amount: parseAsset(event.amount, event.asset) }));
    signal(event.userId, event.asset);
  } else if (type === 'funds_blocked' || type === 'funds_released') {
    const event = holdChangedSchema.parse(data);
    signal(event.userId, event.asset);
  } else if (type === 'trade_settled') {
    const event = tradeSettledSchema.parse(data);
    // cash and shares move on both sides (and fees, and a buyer's price improvement)
    for (const party of [event.buyer, event.seller]) {
      signal(party.userId, CASH_ASSET);
      signal(party.userId, event.symbol);
    }
  }
  return plan;
}
