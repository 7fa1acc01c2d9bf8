import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createPostgresPool, ensureDatabase, runMigrations } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.js';

const logger = createLogger('test', 'silent');

function migrationsFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  writeFileSync(join(dir, '1_first.sql'), '-- Up Migration\nCREATE TABLE things (id int PRIMARY KEY);\n-- Down Migration\nDROP TABLE things;\n');
  writeFileSync(
    join(dir, '2_second.sql'),
    '-- Up Migration\nALTER TABLE things ADD COLUMN name text;\n-- Down Migration\nALTER TABLE things DROP COLUMN name;\n',
  );
  return dir;
}

describe('PostgreSQL helpers against a real server', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it('creates a missing database once, and is idempotent', async () => {
    const url = new URL(database.url);
    url.pathname = `/${database.name}_extra`;
    try {
      expect(await ensureDatabase(url.toString())).toBe(true);
      expect(await ensureDatabase(url.toString())).toBe(false);
    } finally {
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${database.name}_extra"`);
      await admin.end();
    }
  });

  it('applies a service’s migrations inside its own schema, once, even when instances start together', async () => {
    const dir = migrationsFolder();
    const results = await Promise.all([1, 2, 3].map(() => runMigrations({ url: database.url, schema: 'svc_a', dir, logger })));
    expect(results.flat().sort()).toEqual(['1_first', '2_second']);
    expect(await runMigrations({ url: database.url, schema: 'svc_a', dir, logger })).toEqual([]);

    const pool = createPostgresPool({ url: database.url, schema: 'svc_a', max: 2, applicationName: 'test' });
    try {
      await pool.query("INSERT INTO things (id, name) VALUES (1, 'one')");
      const where = await pool.query<{ table_schema: string }>("SELECT table_schema FROM information_schema.tables WHERE table_name = 'things'");
      expect(where.rows.map((row) => row.table_schema)).toEqual(['svc_a']);
    } finally {
      await pool.end();
    }
  });

  it('keeps services apart: the same table name in two schemas', async () => {
    const dir = migrationsFolder();
    await runMigrations({ url: database.url, schema: 'svc_b', dir, logger });
    const a = createPostgresPool({ url: database.url, schema: 'svc_a', max: 1, applicationName: 'a' });
    const b = createPostgresPool({ url: database.url, schema: 'svc_b', max: 1, applicationName: 'b' });
    try {
      await b.query("INSERT INTO things (id, name) VALUES (2, 'two')");
      expect((await b.query('SELECT id FROM things')).rows).toEqual([{ id: 2 }]);
      expect((await a.query('SELECT id FROM things')).rows).toEqual([{ id: 1 }]);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it('names a missing migrations folder', async () => {
    await expect(runMigrations({ url: database.url, schema: 'svc_c', dir: '/nonexistent/migrations', logger })).rejects.toThrow(
      /migrations folder \/nonexistent\/migrations does not exist/,
    );
  });
});
