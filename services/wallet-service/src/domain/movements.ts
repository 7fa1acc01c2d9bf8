/** A change of one account's balances within a journal entry. */
export interface Movement {
  walletId: string;
  asset: string;
  availableChange: bigint;
  heldChange: bigint;
}

/**
 * An entry's movements as its lines: one per account (movements of one account summed), in the
 * order the accounts first appear; an account whose movements cancel out has no line.
 */
export function netByAccount<M extends Movement>(movements: M[]): M[] {
  const byWallet = new Map<string, M>();
  for (const movement of movements) {
    const existing = byWallet.get(movement.walletId);
    byWallet.set(
      movement.walletId,
      existing
        ? { ...existing, availableChange: existing.availableChange + movement.availableChange, heldChange: existing.heldChange + movement.heldChange }
        : movement,
    );
  }
  return [...byWallet.values()].filter((line) => line.availableChange !== 0n || line.heldChange !== 0n);
}
