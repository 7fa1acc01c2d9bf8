import { describe, expect, it } from 'vitest';
import { changePercent } from './ticker-math.js';

describe('changePercent', () => {
  it('rounds half away from zero, both ways', () => {
    expect(changePercent(4000n, 4123n)).toBe('3.08'); // 3.075
    expect(changePercent(4000n, 3877n)).toBe('-3.08'); // -3.075
    expect(changePercent(3000n, 3001n)).toBe('0.03'); // 0.0333…
    expect(changePercent(3000n, 2999n)).toBe('-0.03');
  });

  it('says 0.00 for no change and for changes that round to nothing, never -0.00', () => {
    expect(changePercent(10_000n, 10_000n)).toBe('0.00');
    expect(changePercent(1_000_000n, 999_999n)).toBe('0.00'); // -0.0001 %
    expect(changePercent(1_000_000n, 1_000_001n)).toBe('0.00');
  });

  it('handles large moves and large prices exactly', () => {
    expect(changePercent(1n, 300n)).toBe('29900.00');
    expect(changePercent(200n, 1n)).toBe('-99.50');
    expect(changePercent(123_456_789_012_345n, 123_456_789_012_346n)).toBe('0.00');
    expect(changePercent(3n, 2n)).toBe('-33.33');
    expect(changePercent(3n, 4n)).toBe('33.33');
    expect(changePercent(6n, 7n)).toBe('16.67');
  });

  it('refuses an opening price that is not positive', () => {
    expect(() => changePercent(0n, 5n)).toThrow(RangeError);
  });
});
