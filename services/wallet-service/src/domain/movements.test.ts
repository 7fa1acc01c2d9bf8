import { describe, expect, it } from 'vitest';
import { netByAccount } from './movements.js';

describe('an entry’s lines', () => {
  it('sums the movements of one account, keeps the order accounts first appear in, and drops an account that nets to nothing', () => {
    const lines = netByAccount([
      { walletId: '2', asset: 'USD', availableChange: -500n, heldChange: 500n },
      { walletId: '1', asset: 'USD', availableChange: 100n, heldChange: 0n },
      { walletId: '2', asset: 'USD', availableChange: 200n, heldChange: -500n },
      { walletId: '3', asset: 'USD', availableChange: 7n, heldChange: 0n },
      { walletId: '3', asset: 'USD', availableChange: -7n, heldChange: 0n },
    ]);
    expect(lines).toEqual([
      { walletId: '2', asset: 'USD', availableChange: -300n, heldChange: 0n },
      { walletId: '1', asset: 'USD', availableChange: 100n, heldChange: 0n },
    ]);
  });
});
