import './instrument.js';
import { join } from 'node:path';
import { runService } from '@exchange/platform';
import { randomBytes } from 'node:crypto';
import { ApiKeys } from './app/api-keys.js';
import { SecretBox } from './app/secret-box.js';
import { seedAdmin } from './app/seed-admin.js';
import { TokenIssuer } from './app/token-issuer.js';
import { userServiceConfig } from './config.js';
import { registerRoutes } from './http/routes.js';
import { ApiKeysStore } from './store/api-keys-store.js';
import { LoginAttempts } from './store/login-attempts.js';
import { UsersStore } from './store/users-store.js';

void runService({
  name: 'user-service',
  config: userServiceConfig,
  migrationsDir: join(__dirname, '..', 'migrations'),
  async setup({ app, db, redis, config, logger }) {
    const isProduction = config.NODE_ENV === 'production';
    if (isProduction && !config.JWT_PRIVATE_KEY) throw new Error('JWT_PRIVATE_KEY must be set when NODE_ENV=production');
    if (isProduction && !config.API_KEY_ENCRYPTION_KEY) throw new Error('API_KEY_ENCRYPTION_KEY must be set when NODE_ENV=production');
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
    if (!config.API_KEY_ENCRYPTION_KEY) {
      logger.warn('API_KEY_ENCRYPTION_KEY is not set: API keys made now stop verifying when this process ends');
    }
    const box = new SecretBox(config.API_KEY_ENCRYPTION_KEY ? Buffer.from(config.API_KEY_ENCRYPTION_KEY, 'base64') : randomBytes(32));
    const apiKeys = new ApiKeys({ store: new ApiKeysStore(db), box, redis });
    registerRoutes(app, { users, tokens: issuer, attempts, apiKeys });
  },
});
