import type { Logger } from '@exchange/platform';
import type { UsersStore } from '../store/users-store.js';
import { hashPassword } from './passwords.js';

/**
 * Makes sure the demo admin account exists (local start only). An existing account with that e-mail
 * keeps its password and is given the admin role.
 */
export async function seedAdmin(users: UsersStore, logger: Logger, admin: { email: string; password: string }): Promise<void> {
  const email = admin.email.toLowerCase();
  const existing = await users.findByEmail(email);
  if (existing) {
    if (existing.role !== 'admin') await users.setRole(existing.id, 'admin');
    logger.info({ email }, 'admin account ready');
    return;
  }
  const created = await users.insert({ email, name: 'Exchange admin', passwordHash: await hashPassword(admin.password), role: 'admin' });
  if (!created) return seedAdmin(users, logger, admin); // another instance created it meanwhile
  logger.info({ email }, 'admin account created');
}
