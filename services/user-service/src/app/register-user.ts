import { AppError, withSpan } from '@exchange/platform';
import type { RegisterRequest, User } from '@exchange/contracts';
import { PASSWORD_PROBLEM_MESSAGES, passwordProblem } from '../domain/password-policy.js';
import { publicUser, type UsersStore } from '../store/users-store.js';
import { hashPassword } from './passwords.js';

/** Registration, in its traced steps: user validation → password hashing → DB insert. */
export async function registerUser(users: UsersStore, request: RegisterRequest): Promise<User> {
  await withSpan('user validation', async () => {
    const problem = passwordProblem(request.password, request.email);
    if (problem) {
      throw new AppError('VALIDATION_FAILED', 'The password is too easy to guess', { fields: { password: [PASSWORD_PROBLEM_MESSAGES[problem]] } });
    }
    // The unique constraint is the real guard; this early check spares a costly hash on the common case.
    if (await users.isEmailTaken(request.email)) throw emailTaken();
  });
  const passwordHash = await withSpan('password hashing', () => hashPassword(request.password), {
    'exchange.hash.algorithm': 'argon2id',
  });
  const user = await withSpan('db insert', () => users.insert({ email: request.email, name: request.name ?? null, passwordHash, role: 'user' }));
  if (!user) throw emailTaken();
  return publicUser(user);
}

function emailTaken(): AppError {
  return new AppError('EMAIL_TAKEN', 'An account with this e-mail already exists');
}
