import { AppError } from '../errors.js';

/** The token of an `Authorization: Bearer <token>` header; 401 UNAUTHENTICATED without one. */
export function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match?.[1]) throw new AppError('UNAUTHENTICATED', 'Send an access token as "Authorization: Bearer <token>"');
  return match[1];
}
