import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CALLER_NAMES } from '@exchange/contracts';
import { databaseRoleName, envPrefix, generateIdentities, redisUserName, SERVICE_NAMES } from '@exchange/platform';
import { StartupError } from './checks.js';
import { generateEncryptionKey, generateSigningKey } from './dev-key.js';

/**
 * `exchange secrets <dir> [databaseUrl] [redisUrl]`: everything a containerised exchange needs that
 * must not be in the repository, one folder per process so each mounts only its own: `service.key`
 * (its identity), `trust-bundle.json` (everyone's public keys), `database-url` and `redis-url` (its
 * own role and Redis user, with fresh passwords); `user-service/jwt.key` and
 * `user-service/api-key-encryption.key`; and `provision/`, the
 * passwords `exchange provision` sets. Every file is readable by its owner only.
 */
export function secretsCommand(dir: string | undefined, databaseUrl = 'postgres://postgres:5432/exchange', redisUrl = 'redis://redis:6379', prefix = ''): void {
  if (!dir) throw new StartupError('usage: exchange secrets <folder> [database URL without user] [redis URL without user]');
  if (existsSync(join(dir, 'provision'))) throw new StartupError(`${dir} already holds secrets: remove it first to make new ones`);
  const identities = generateIdentities(CALLER_NAMES);
  const bundle = JSON.stringify(identities.bundle, null, 2);
  const database = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const write = (path: string, content: string) => {
    writeFileSync(path, content, { mode: 0o600 });
    chmodSync(path, 0o600);
  };
  const folder = (name: string) => {
    const path = join(dir, name);
    mkdirSync(path, { recursive: true, mode: 0o700 });
    return path;
  };
  const provision = folder('provision');
  for (const name of CALLER_NAMES) {
    const own = folder(name);
    write(join(own, 'service.key'), identities.privateKeys[name]);
    write(join(own, 'trust-bundle.json'), bundle);
  }
  for (const service of SERVICE_NAMES) {
    const own = join(dir, service);
    const databasePassword = randomBytes(24).toString('base64url');
    const redisPassword = randomBytes(24).toString('base64url');
    const serviceDatabase = new URL(databaseUrl);
    serviceDatabase.username = databaseRoleName(database, service);
    serviceDatabase.password = databasePassword;
    const serviceRedis = new URL(redisUrl);
    serviceRedis.username = redisUserName(prefix, service);
    serviceRedis.password = redisPassword;
    write(join(own, 'database-url'), serviceDatabase.toString());
    write(join(own, 'redis-url'), serviceRedis.toString());
    write(join(provision, `${envPrefix(service)}_DATABASE_PASSWORD`), databasePassword);
    write(join(provision, `${envPrefix(service)}_REDIS_PASSWORD`), redisPassword);
  }
  write(join(dir, 'user-service', 'jwt.key'), generateSigningKey());
  write(join(dir, 'user-service', 'api-key-encryption.key'), generateEncryptionKey());
  process.stdout.write(`wrote the secrets of ${CALLER_NAMES.length} callers to ${dir}\n`);
}
