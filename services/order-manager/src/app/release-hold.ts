import { AppError } from '@exchange/platform';
import type { OrderDeps } from './order-deps.js';

/**
 * Releases everything an order still holds. Idempotent by `releaseId`; a hold that was never made
 * (the block was refused or never arrived) needs no release.
 */
export async function releaseHold(deps: { wallet: Pick<OrderDeps['wallet'], 'releaseFunds'> }, orderId: string, releaseId: string): Promise<void> {
  try {
    await deps.wallet.releaseFunds({ body: { reference: orderId, releaseId } });
  } catch (error) {
    if (error instanceof AppError && error.code === 'HOLD_NOT_FOUND') return;
    throw error;
  }
}
