import { AppError } from '../errors.js';

/**
 * Page cursors of list routes: the position (a sequence number) of the last item given out, opaque
 * to the client. A cursor the API did not give out is a 400 VALIDATION_FAILED naming the field.
 */
export function encodePageCursor(position: bigint): string {
  return Buffer.from(position.toString(), 'utf8').toString('base64url');
}

export function decodePageCursor(cursor: string | undefined): bigint | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{1,18}$/.test(decoded))
    throw new AppError('VALIDATION_FAILED', 'cursor is not valid', { fields: { cursor: ['is not a cursor this API gave out'] } });
  return BigInt(decoded);
}
