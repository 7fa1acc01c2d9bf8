import type { Logger } from '@exchange/platform';
import type { UsersStore } from '../store/users-store.js';
import { hashPassword } from './passwords.js';

/**
 * Makes sure the demo admin account exists (local start only). An ordinary account that someone
 * registered with that e-mail is never promoted: anyone can register any address.
 */
export async function seedAdmin(users: UsersStore, logger: Logger, admin: { email: string; password: string }): Promise<void> {
  const email = admin.email.toLowerCase();
  const existing = await users.findByEmail(email);
  if (existing) {
    if (existing.role === 'admin') logger.info({ email }, 'admin account ready');
    else logger.error({ email }, 'an ordinary account already uses the admin e-mail; it is NOT made admin: set EXCHANGE_ADMIN_EMAIL to another address');
    return;
  }
  const created = await users.insert({ email, name: 'Exchange admin', passwordHash: await hashPassword(admin.password), role: 'admin' });
  if (!created) return seedAdmin(users, logger, admin); // another instance created it meanwhile
  logger.info({ email }, 'admin account created');
}
