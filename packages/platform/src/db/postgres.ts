import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { timeQueries } from '../dependency-metrics.js';
import type { Logger } from '../logger.js';

export type { Pool, PoolClient, QueryResultRow } from 'pg';

// BIGINT (int8) and NUMERIC come back as strings by default; keep it so (money is exact) except for
// COUNT(*) style bigints that callers convert explicitly.

export interface PostgresOptions {
  url: string;
  /** the service's own schema; it becomes the connection's search_path */
  schema: string;
  max: number;
  applicationName: string;
}

/** A pool whose connections see only the service's own schema first. */
export function createPostgresPool(options: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    application_name: options.applicationName,
    options: `-c search_path=${quoteIdentifier(options.schema)},public`,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its connection (a PostgreSQL restart) must not crash the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => timeQueries(client));
  return pool;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export interface MigrationOptions {
  url: string;
  schema: string;
  /** a folder of `.sql` migrations (`-- Up Migration` / `-- Down Migration`) */
  dir: string;
  logger: Logger;
  /** defaults to `pgmigrations`; the platform's own tables use another */
  migrationsTable?: string;
}

/** The platform's shared tables (outbox, idempotency keys, processed messages), for services that use them. */
export const PLATFORM_MIGRATIONS_DIR = join(__dirname, '..', '..', 'migrations');

/** Arbitrary constant: the advisory lock that serializes every migration run in one database. */
const MIGRATION_LOCK_KEY = 4_774_201_533;

/**
 * Brings the service's schema up to date with node-pg-migrate; each service keeps its own migrations
 * table inside its own schema. node-pg-migrate's own lock gives up when another run holds it, so
 * instead every run waits its turn on one advisory lock: services and replicas that start together
 * all come up, one migrating after the other.
 */
export async function runMigrations(options: MigrationOptions): Promise<string[]> {
  if (!existsSync(options.dir)) throw new Error(`migrations folder ${options.dir} does not exist`);
  const lock = new pg.Client({ connectionString: options.url, application_name: `migrate:${options.schema}` });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    // A service's own role owns its schema (made when its access was provisioned) and may not create
    // schemas; CREATE SCHEMA IF NOT EXISTS would still ask for that right, so it runs only when needed.
    const found = await lock.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [options.schema]);
    if (!found.rowCount) await lock.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(options.schema)}`);
    return await migrate(options);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    await lock.end().catch(() => {});
  }
}

async function migrate(options: MigrationOptions): Promise<string[]> {
  const { runner } = await import('node-pg-migrate');
  const applied = await runner({
    noLock: true,
    databaseUrl: options.url,
    dir: options.dir,
    direction: 'up',
    migrationsTable: options.migrationsTable ?? 'pgmigrations',
    schema: options.schema,
    migrationsSchema: options.schema,
    createSchema: false,
    createMigrationsSchema: false,
    checkOrder: true,
    verbose: false,
    log: (message: string) => options.logger.debug({ migration: message }, 'migration'),
    logger: {
      debug: () => {},
      info: (message: string) => options.logger.debug(message),
      warn: (message: string) => options.logger.warn(message),
      error: (message: string) => options.logger.error(message),
    },
  });
  const names = applied.map((migration) => migration.name);
  if (names.length > 0) options.logger.info({ schema: options.schema, migrations: names }, 'migrations applied');
  return names;
}

/**
 * Creates the database named in `url` if it is missing, connecting to the server's `postgres`
 * database to do so. Returns true when it created it.
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!database) throw new Error(`DATABASE_URL ${url} names no database`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(database)}`);
    } catch (error) {
      // another process created it between our check and our CREATE
      if ((error as { code?: string }).code !== '42P04') throw error;
      return false;
    }
    return true;
  } finally {
    await client.end();
  }
}

/** Drops the database named in `url` (tests only), ending connections still open to it. */
export async function dropDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
