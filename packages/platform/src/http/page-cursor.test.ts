import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { decodePageCursor, encodePageCursor } from './page-cursor.js';

describe('page cursors', () => {
  it('give back the position they were made from, and nothing for no cursor', () => {
    for (const position of [0n, 1n, 123_456_789n, 999_999_999_999_999_999n]) expect(decodePageCursor(encodePageCursor(position))).toBe(position);
    expect(decodePageCursor(undefined)).toBeUndefined();
  });

  it('refuse a cursor the API did not give out with VALIDATION_FAILED naming the field', () => {
    for (const forged of ['', 'not-a-cursor', Buffer.from('-1').toString('base64url'), Buffer.from('1'.repeat(19)).toString('base64url')]) {
      let refusal: unknown;
      try {
        decodePageCursor(forged);
      } catch (error) {
        refusal = error;
      }
      expect(refusal, forged).toBeInstanceOf(AppError);
      expect(refusal).toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: { cursor: expect.any(Array) } } });
    }
  });
});
