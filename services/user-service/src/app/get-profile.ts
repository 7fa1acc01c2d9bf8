import { AppError, withSpan } from '@exchange/platform';
import type { User } from '@exchange/contracts';
import { publicUser, type UsersStore } from '../store/users-store.js';

/** `GET /me`: the user the gateway asserted (it verified their token), read from the database. */
export async function getProfile(users: UsersStore, userId: string): Promise<User> {
  const user = await withSpan('db query', () => users.findById(userId));
  // A valid token for a user that no longer exists proves nothing.
  if (!user) throw new AppError('UNAUTHENTICATED', 'The account of this token no longer exists');
  return publicUser(user);
}

/** An account by id or e-mail, for other services; 404 USER_NOT_FOUND when there is none. */
export async function findUser(users: UsersStore, by: { id: string } | { email: string }): Promise<User> {
  const user = 'id' in by ? await users.findById(by.id) : await users.findByEmail(by.email);
  if (!user) throw new AppError('USER_NOT_FOUND', 'No such user');
  return publicUser(user);
}
