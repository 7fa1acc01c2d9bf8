import { AppError, withSpan } from '@exchange/platform';
import type { LoginRequest, LoginResponse } from '@exchange/contracts';
import type { LoginAttempts } from '../store/login-attempts.js';
import { publicUser, type UsersStore } from '../store/users-store.js';
import { burnPasswordCheck, verifyPassword } from './passwords.js';
import type { TokenIssuer } from './token-issuer.js';

/**
 * Login, in its traced steps: throttle check → DB query → password verification → JWT generation.
 * Attempts are throttled per account, whatever address they come from (the gateway limits each
 * address too): after a few failures in a row, the account's next attempt waits longer each time.
 */
export async function logIn(users: UsersStore, tokens: TokenIssuer, attempts: LoginAttempts, request: LoginRequest): Promise<LoginResponse> {
  const waitMs = await withSpan('login throttle', () => attempts.take(request.email));
  if (waitMs > 0) {
    const retryAfterSeconds = Math.ceil(waitMs / 1000);
    throw new AppError('RATE_LIMITED', `Too many failed logins for this account; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
  const user = await withSpan('db query', () => users.findByEmail(request.email));
  const isValid = await withSpan('password verification', async () => {
    if (!user) {
      await burnPasswordCheck(request.password);
      return false;
    }
    return verifyPassword(user.passwordHash, request.password);
  });
  // One answer for an unknown e-mail and a wrong password: no account enumeration.
  if (!user || !isValid) throw new AppError('INVALID_CREDENTIALS', 'The e-mail or password is wrong');
  await attempts.succeeded(request.email);
  const profile = publicUser(user);
  const accessToken = await withSpan('jwt generation', () => tokens.issue(profile));
  return { accessToken, tokenType: 'Bearer', expiresIn: tokens.ttlSeconds, user: profile };
}
