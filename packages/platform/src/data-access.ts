import { randomBytes } from 'node:crypto';
import type { ServiceName } from '@exchange/contracts';
import pg from 'pg';
import { quoteIdentifier } from './db/postgres.js';
import { createRedis } from './redis.js';
import { schemaName } from './services.js';

/**
 * Least privilege in the data stores. Each process connects to PostgreSQL as a role of its own that
 * owns its schema and nothing else (no other schema is granted to it), and to Redis as an ACL user
 * that may touch only the keys, streams and channels it owns: a process can append to the streams
 * it produces, read and acknowledge the streams it consumes (never append to them), and publish
 * only on its own channels. A compromised process cannot forge another's events or rows.
 */

/** One group of Redis permissions: these commands on these keys (`%R~` read only) or channels. */
interface RedisGrant {
  commands: readonly string[];
  keys?: readonly string[];
  readKeys?: readonly string[];
  channels?: readonly string[];
}

/** What every connection does: ready check, naming itself, transactions. */
const CONNECTION_COMMANDS = ['ping', 'info', 'echo', 'client|setname', 'client|getname', 'client|id', 'multi', 'exec', 'discard'];
const CONSUME = ['xreadgroup', 'xack', 'xautoclaim', 'xclaim', 'xpending', 'xgroup|create', 'xgroup|createconsumer', 'xinfo|groups', 'xinfo|stream', 'xlen'];
const SCRIPTED = ['eval', 'evalsha', 'script|load', 'get', 'set', 'incr', 'pexpire', 'pttl', 'hset', 'hget', 'del'];
const SUBSCRIBE = ['subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe'];

/** Consumes `streams`: reads and acknowledges them, and moves an event that keeps failing to `<stream>:dead-letter`. */
const consumes = (...streams: string[]): RedisGrant[] => [
  { commands: CONSUME, keys: streams },
  { commands: ['xadd'], keys: streams.map((stream) => `${stream}:dead-letter`) },
];
/** Appends to `streams` (its transactional outbox). */
const produces = (...streams: string[]): RedisGrant => ({ commands: ['xadd'], keys: streams });

export const REDIS_ACCESS: Record<ServiceName, readonly RedisGrant[]> = {
  'client-gateway': [
    { commands: SCRIPTED, keys: ['rate-limit:*'] },
    { commands: SUBSCRIBE, channels: ['md:*', 'user:*'] },
  ],
  'user-service': [
    { commands: SCRIPTED, keys: ['login-attempts:*'] },
    // each accepted API-key signature, kept for the receive window (SET NX PX): a replay is refused
    { commands: ['set'], keys: ['api-key-signature:*'] },
  ],
  'order-manager': [produces('orders:*'), ...consumes('executions:*'), { commands: ['publish'], channels: ['user:*'] }],
  'wallet-service': [produces('wallet-events')],
  'risk-manager': [
    { commands: SCRIPTED, keys: ['risk:*'] },
    { commands: ['get', 'mget'], readKeys: ['book:*'] },
    // one instance tells the others what it changed (a market, a user's limits)
    { commands: [...SUBSCRIBE, 'publish'], channels: ['risk-changes'] },
  ],
  'matching-engine': [
    produces('executions:*'),
    ...consumes('orders:*'),
    { commands: ['set', 'get'], keys: ['book:*'] },
    { commands: ['publish'], channels: ['engine-book:*'] },
  ],
  'market-data': [
    ...consumes('executions:*'),
    { commands: ['get'], readKeys: ['book:*'] },
    { commands: ['get', 'mget', 'set'], keys: ['market-data:*'] },
    { commands: SUBSCRIBE, channels: ['engine-book:*'] },
    { commands: ['publish'], channels: ['md:*'] },
  ],
  notification: [...consumes('executions:*', 'wallet-events'), { commands: ['publish'], channels: ['user:*'] }],
  'reporting-service': consumes('executions:*', 'wallet-events'),
};

/** `test:abc:` + `order-manager` → `test.abc.order-manager` (a URL's user part takes no colon). */
export function redisUserName(prefix: string, service: ServiceName): string {
  return `${prefix.replace(/[^A-Za-z0-9_-]+/g, '.') || 'exchange.'}${service}`;
}

/** The `ACL SETUSER` arguments of one service's user: nothing at the root but the connection, each grant a selector. */
export function redisAclRules(service: ServiceName, prefix: string, password: string): string[] {
  const rules = ['reset', 'on', `>${password}`, 'resetkeys', 'resetchannels', '-@all', ...CONNECTION_COMMANDS.map((command) => `+${command}`)];
  for (const grant of REDIS_ACCESS[service]) {
    const parts = grant.commands.map((command) => `+${command}`);
    for (const key of grant.keys ?? []) parts.push(`~${prefix}${key}`);
    for (const key of grant.readKeys ?? []) parts.push(`%R~${prefix}${key}`);
    for (const channel of grant.channels ?? []) parts.push(`&${prefix}${channel}`);
    rules.push(`(${parts.join(' ')})`);
  }
  return rules;
}

/** `exchange` + `wallet-service` → `exchange_wallet_service`: the role of a service in one database. */
export function databaseRoleName(database: string, service: ServiceName): string {
  return `${database}_${schemaName(service)}`.slice(0, 63);
}

export interface ServiceDataAccess {
  /** PostgreSQL as the service's own role */
  databaseUrl: string;
  /** Redis as the service's own ACL user */
  redisUrl: string;
}

export interface DataAccessOptions {
  /** PostgreSQL as a role that may create roles and schemas */
  adminDatabaseUrl: string;
  /** Redis as a user that may manage ACL users */
  adminRedisUrl: string;
  redisKeyPrefix: string;
  services: readonly ServiceName[];
  /** the passwords to set (an operator's secrets); a service without one gets a fresh random one */
  passwords?: Partial<Record<ServiceName, { database: string; redis: string }>>;
}

const password = () => randomBytes(24).toString('base64url');

/**
 * Creates (or updates, with fresh passwords) each service's PostgreSQL role and Redis user, makes
 * the role the owner of its schema and of what is already in it, and answers with the URLs each
 * service connects with. Run by `npm start` and the test systems before the processes start, and
 * by `exchange provision` where an operator sets up the stores.
 */
export async function provisionDataAccess(options: DataAccessOptions): Promise<Record<ServiceName, ServiceDataAccess>> {
  const database = decodeURIComponent(new URL(options.adminDatabaseUrl).pathname.slice(1));
  const access = {} as Record<ServiceName, ServiceDataAccess>;
  const client = new pg.Client({ connectionString: options.adminDatabaseUrl, application_name: 'provision' });
  await client.connect();
  const redis = createRedis({ url: options.adminRedisUrl, keyPrefix: '', connectionName: 'provision' });
  try {
    for (const service of options.services) {
      const role = databaseRoleName(database, service);
      const schema = schemaName(service);
      const secret = options.passwords?.[service]?.database ?? password();
      const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount;
      const attributes = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD ${client.escapeLiteral(secret)}`;
      await client.query(`${exists ? 'ALTER' : 'CREATE'} ROLE ${quoteIdentifier(role)} WITH ${attributes}`);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)} AUTHORIZATION ${quoteIdentifier(role)}`);
      await client.query(`ALTER SCHEMA ${quoteIdentifier(schema)} OWNER TO ${quoteIdentifier(role)}`);
      // what an earlier start (before roles existed) created in the schema belongs to the role too
      const owned = await client.query<{ name: string; kind: string }>(
        `SELECT c.relname AS name, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'S', 'v', 'm') AND pg_get_userbyid(c.relowner) <> $2`,
        [schema, role],
      );
      for (const { name, kind } of owned.rows) {
        const what = kind === 'S' ? 'SEQUENCE' : kind === 'v' ? 'VIEW' : kind === 'm' ? 'MATERIALIZED VIEW' : 'TABLE';
        await client.query(`ALTER ${what} ${quoteIdentifier(schema)}.${quoteIdentifier(name)} OWNER TO ${quoteIdentifier(role)}`);
      }
      const databaseUrl = new URL(options.adminDatabaseUrl);
      databaseUrl.username = role;
      databaseUrl.password = secret;

      const user = redisUserName(options.redisKeyPrefix, service);
      const redisSecret = options.passwords?.[service]?.redis ?? password();
      await redis.call('ACL', 'SETUSER', user, ...redisAclRules(service, options.redisKeyPrefix, redisSecret));
      const redisUrl = new URL(options.adminRedisUrl);
      redisUrl.username = user;
      redisUrl.password = redisSecret;
      access[service] = { databaseUrl: databaseUrl.toString(), redisUrl: redisUrl.toString() };
    }
  } finally {
    await client.end().catch(() => {});
    redis.disconnect();
  }
  return access;
}

/** Removes the Redis users of a prefix's services (tests; the roles go with `dropDatabaseRoles`). */
export async function removeRedisUsers(adminRedisUrl: string, prefix: string, services: readonly ServiceName[]): Promise<void> {
  const redis = createRedis({ url: adminRedisUrl, keyPrefix: '', connectionName: 'provision' });
  try {
    await redis.call('ACL', 'DELUSER', ...services.map((service) => redisUserName(prefix, service)));
  } finally {
    redis.disconnect();
  }
}

/** Drops the roles `provisionDataAccess` made for a database, once the database itself is gone (tests). */
export async function dropDatabaseRoles(adminDatabaseUrl: string, database: string): Promise<void> {
  const admin = new URL(adminDatabaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), application_name: 'provision' });
  await client.connect();
  try {
    const { rows } = await client.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1 || '_')", [database]);
    for (const { rolname } of rows) await client.query(`DROP ROLE IF EXISTS ${quoteIdentifier(rolname)}`);
  } finally {
    await client.end().catch(() => {});
  }
}
