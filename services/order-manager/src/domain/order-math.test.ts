import { describe, expect, it } from 'vitest';
import { averagePriceCents } from './order-math.js';

describe('order arithmetic', () => {
  it('averages fill prices to the cent, half up', () => {
    expect(averagePriceCents(0n, 0n)).toBeUndefined();
    expect(averagePriceCents(100_00n * 1n + 100_01n * 1n, 2n)).toBe(100_01n); // 100.005 → 100.01
    expect(averagePriceCents(300n, 3n)).toBe(100n);
  });
});
