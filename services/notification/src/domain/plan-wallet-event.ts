import { CASH_ASSET, parseAsset, type WalletEvent } from '@exchange/contracts';
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

/**
 * Pure: what one event of `wallet-events` calls for. Only a deposit or credit goes to the inbox;
 * holds, releases and settlements change balances the user sees, so they are signalled live.
 */
export function planWalletEvent(event: WalletEvent): WalletPlan {
  const plan: WalletPlan = { notices: [], balances: [] };
  const signal = (user: string, changed: string) => {
    if (!plan.balances.some((b) => b.userId === user && b.asset === changed)) plan.balances.push({ userId: user, asset: changed });
  };
  if (event.type === 'funds_added') {
    const added = event.data;
    plan.notices.push(fundsAddedNotice({ ...added, amount: parseAsset(added.amount, added.asset) }));
    signal(added.userId, added.asset);
  } else if (event.type === 'funds_blocked' || event.type === 'funds_released') {
    signal(event.data.userId, event.data.asset);
  } else {
    // trade_settled: cash and shares move on both sides (and fees, and a buyer's price improvement)
    for (const party of [event.data.buyer, event.data.seller]) {
      signal(party.userId, CASH_ASSET);
      signal(party.userId, event.data.symbol);
    }
  }
  return plan;
}
