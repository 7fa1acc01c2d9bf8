import { envBoolean, envInt } from '@exchange/platform';
import { z } from 'zod';

export const userServiceConfig = {
  /** PKCS#8 PEM of the Ed25519 key that signs access tokens; a development key is generated when unset */
  JWT_PRIVATE_KEY: z.string().min(1).optional(),
  /** during a rotation of JWT_PRIVATE_KEY: the previous key's public half (SPKI PEM), still published so its tokens verify until they expire */
  JWT_PREVIOUS_PUBLIC_KEY: z.string().min(1).optional(),
  JWT_TTL_SECONDS: envInt(3600, 60),
  /** per account: failed logins in a row before each further attempt must wait, the first wait (doubled each time) and the longest */
  LOGIN_FREE_ATTEMPTS: envInt(5, 1),
  LOGIN_BACKOFF_BASE_MS: envInt(1000, 1),
  LOGIN_BACKOFF_MAX_MS: envInt(15 * 60_000, 1),
  /** base64 of 32 random bytes: encrypts API keys' HMAC secrets at rest (required in production; keys made under one key verify only under it) */
  API_KEY_ENCRYPTION_KEY: z
    .string()
    .refine((text) => Buffer.from(text, 'base64').length === 32, 'must be base64 of 32 bytes')
    .optional(),
  /** create (or promote) the demo admin account at start; refused when NODE_ENV=production */
  SEED_ADMIN: envBoolean(false),
  EXCHANGE_ADMIN_EMAIL: z.email().default('admin@exchange.local'),
  EXCHANGE_ADMIN_PASSWORD: z.string().min(8).default('exchange-admin'),
};
