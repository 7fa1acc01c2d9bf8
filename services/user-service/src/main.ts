import './instrument.js';
import { join } from 'node:path';
import { runService } from '@exchange/platform';
import { seedAdmin } from './app/seed-admin.js';
import { TokenIssuer } from './app/token-issuer.js';
import { userServiceConfig } from './config.js';
import { registerRoutes } from './http/routes.js';
import { LoginAttempts } from './store/login-attempts.js';
import { UsersStore } from './store/users-store.js';

void runService({
  name: 'user-service',
  config: userServiceConfig,
  migrationsDir: join(__dirname, '..', 'migrations'),
  async setup({ app, db, redis, config, logger }) {
    const isProduction = config.NODE_ENV === 'production';
    if (isProduction && !config.JWT_PRIVATE_KEY) throw new Error('JWT_PRIVATE_KEY must be set when NODE_ENV=production');
    if (isProduction && config.SEED_ADMIN) throw new Error('SEED_ADMIN (the demo admin account) is refused when NODE_ENV=production');

    const { issuer, isGenerated } = await TokenIssuer.create({
      privateKeyPem: config.JWT_PRIVATE_KEY,
      ttlSeconds: config.JWT_TTL_SECONDS,
      previousPublicKeyPems: config.JWT_PREVIOUS_PUBLIC_KEY ? [config.JWT_PREVIOUS_PUBLIC_KEY] : [],
    });
    if (isGenerated) logger.warn('JWT_PRIVATE_KEY is not set: signing with a generated development key; tokens end when this process does');

    const users = new UsersStore(db);
    if (config.SEED_ADMIN) {
      await seedAdmin(users, logger, { email: config.EXCHANGE_ADMIN_EMAIL, password: config.EXCHANGE_ADMIN_PASSWORD });
    }
    const attempts = new LoginAttempts(redis, {
      freeAttempts: config.LOGIN_FREE_ATTEMPTS,
      baseDelayMs: config.LOGIN_BACKOFF_BASE_MS,
      maxDelayMs: config.LOGIN_BACKOFF_MAX_MS,
    });
    registerRoutes(app, { users, tokens: issuer, attempts });
  },
});
