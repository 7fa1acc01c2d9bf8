import { envPrefix, loadConfig, provisionDataAccess, SERVICE_NAMES, type Env, type ServiceName, withFileVariables } from '@exchange/platform';
import { join } from 'node:path';
import { z } from 'zod';
import { StartupError } from './checks.js';

const provisionConfigSchema = z.object({
  /** PostgreSQL as a role that may create roles and schemas, on the exchange's database */
  DATABASE_URL: z.url().default('postgres://postgres@127.0.0.1:5432/exchange'),
  /** Redis as a user that may manage ACL users */
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default(''),
});

/**
 * `exchange provision` (in a container: `node tools/dist/cli.js provision`): creates or updates
 * each service's PostgreSQL role and Redis ACL user, with the passwords the operator keeps as
 * secrets — `<SERVICE>_DATABASE_PASSWORD` and `<SERVICE>_REDIS_PASSWORD` (or `…_FILE`) for each
 * service, all required (`exchange secrets` writes them) — and makes each role the owner of its schema. Run it before the services start (the
 * compose file does); each service then connects with its own user and password.
 */
export async function provisionCommand(rawEnv: Env = process.env): Promise<void> {
  // PROVISION_SECRETS_DIR: a folder of files named by the variables (what `exchange secrets` writes)
  const folder = rawEnv.PROVISION_SECRETS_DIR;
  const fromFolder = folder
    ? Object.fromEntries(
        SERVICE_NAMES.flatMap((service) =>
          ['DATABASE_PASSWORD', 'REDIS_PASSWORD'].map((kind) => [`${envPrefix(service)}_${kind}_FILE`, join(folder, `${envPrefix(service)}_${kind}`)]),
        ),
      )
    : {};
  const passwordNames = SERVICE_NAMES.flatMap((service) => [`${envPrefix(service)}_DATABASE_PASSWORD`, `${envPrefix(service)}_REDIS_PASSWORD`]);
  const env = withFileVariables({ ...fromFolder, ...rawEnv }, [...passwordNames, ...Object.keys(provisionConfigSchema.shape)]);
  const config = loadConfig(provisionConfigSchema, env);
  const passwords: Partial<Record<ServiceName, { database: string; redis: string }>> = {};
  const missing: string[] = [];
  for (const service of SERVICE_NAMES) {
    const database = env[`${envPrefix(service)}_DATABASE_PASSWORD`];
    const redis = env[`${envPrefix(service)}_REDIS_PASSWORD`];
    if (!database) missing.push(`${envPrefix(service)}_DATABASE_PASSWORD`);
    if (!redis) missing.push(`${envPrefix(service)}_REDIS_PASSWORD`);
    if (database && redis) passwords[service] = { database, redis };
  }
  if (missing.length > 0) throw new StartupError(`provisioning needs every service's passwords; missing: ${missing.join(', ')}`);
  const access = await provisionDataAccess({
    adminDatabaseUrl: config.DATABASE_URL,
    adminRedisUrl: config.REDIS_URL,
    redisKeyPrefix: config.REDIS_KEY_PREFIX,
    services: SERVICE_NAMES,
    passwords,
  });
  for (const service of SERVICE_NAMES) {
    const database = new URL(access[service].databaseUrl);
    const redis = new URL(access[service].redisUrl);
    process.stdout.write(`${service.padEnd(18)} PostgreSQL role ${database.username}, Redis user ${redis.username}\n`);
  }
}
