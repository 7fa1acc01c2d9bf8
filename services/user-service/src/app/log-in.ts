import { AppError, withSpan } from '@exchange/platform';
import type { LoginRequest, LoginResponse } from '@exchange/contracts';
import { publicUser, type UsersStore } from '../store/users-store.js';
import { burnPasswordCheck, verifyPassword } from './passwords.js';
import type { TokenIssuer } from './token-issuer.js';

/** Login, in its traced steps: DB query → password verification → JWT generation. */
export async function logIn(users: UsersStore, tokens: TokenIssuer, request: LoginRequest): Promise<LoginResponse> {
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
  const profile = publicUser(user);
  const accessToken = await withSpan('jwt generation', () => tokens.issue(profile));
  return { accessToken, tokenType: 'Bearer', expiresIn: tokens.ttlSeconds, user: profile };
}
