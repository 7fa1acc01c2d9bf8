import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfigSchema, ConfigError, envBoolean, loadConfig, servicePort, serviceUrl } from './config.js';

describe('loadConfig', () => {
  it('reads a variable from NAME_FILE (a mounted secret), lets a direct value win, and leaves other programs’ _FILE variables alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-'));
    writeFileSync(join(dir, 'url'), 'postgres://role:secret@db:5432/exchange\n');
    const config = loadConfig(baseConfigSchema, {
      DATABASE_URL_FILE: join(dir, 'url'),
      REDIS_URL: 'redis://direct:6379',
      REDIS_URL_FILE: join(dir, 'missing'),
      TF_CLI_CONFIG_FILE: join(dir, 'not-there'),
    });
    expect(config.DATABASE_URL).toBe('postgres://role:secret@db:5432/exchange');
    expect(config.REDIS_URL).toBe('redis://direct:6379');
    expect(() => loadConfig(baseConfigSchema, { SERVICE_PRIVATE_KEY_FILE: join(dir, 'nope') })).toThrow(/SERVICE_PRIVATE_KEY_FILE: cannot read/);
  });

  it('gives every process its standard port and local defaults when nothing is set', () => {
    const config = loadConfig(baseConfigSchema, {});
    expect(servicePort(config, 'client-gateway')).toBe(8347);
    expect(servicePort(config, 'notification')).toBe(9243);
    expect(serviceUrl(config, 'user-service')).toBe('http://127.0.0.1:8975');
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/exchange');
    expect(config.MIGRATE_ON_START).toBe(true);
  });

  it('derives URLs from ports, and lets an explicit URL win', () => {
    const config = loadConfig(baseConfigSchema, { USER_SERVICE_PORT: '19000', WALLET_SERVICE_URL: 'http://wallet:8651/' });
    expect(serviceUrl(config, 'user-service')).toBe('http://127.0.0.1:19000');
    expect(serviceUrl(config, 'wallet-service')).toBe('http://wallet:8651');
  });

  it('reports every bad variable at once, naming each and what it got', () => {
    const schema = baseConfigSchema.extend({ FLAG: envBoolean(false), LIMIT: z.coerce.number().int().min(1) });
    let error: unknown;
    try {
      loadConfig(schema, { USER_SERVICE_PORT: 'eighty', DATABASE_URL: 'not a url', FLAG: 'maybe', LOG_LEVEL: 'loud' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/USER_SERVICE_PORT: .*\(got "eighty"\)/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL: .*\(got "not a url"\)/);
    expect(problems.join('\n')).toMatch(/FLAG: .*\(got "maybe"\)/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL: /);
    expect(problems.join('\n')).toMatch(/LIMIT: /);
  });

  it('never echoes a secret or a URL password in a problem report', () => {
    const schema = z.object({ JWT_PRIVATE_KEY: z.string().startsWith('-----'), ADMIN_PASSWORD: z.string().min(20), DATABASE_URL: z.url().endsWith('/db') });
    let problems: string[] = [];
    try {
      loadConfig(schema, { JWT_PRIVATE_KEY: 'secret-key-material', ADMIN_PASSWORD: 'hunter2', DATABASE_URL: 'postgres://app:s3cret@db:5432/x' });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    const text = problems.join('\n');
    expect(problems).toHaveLength(3);
    expect(text).not.toMatch(/secret-key-material|hunter2|s3cret/);
    expect(text).toContain('postgres://app:***@db:5432/x');
  });

  it('reads booleans the way operators write them', () => {
    const schema = z.object({ A: envBoolean(false), B: envBoolean(true), C: envBoolean(true) });
    expect(loadConfig(schema, { A: 'yes', C: '0' })).toEqual({ A: true, B: true, C: false });
  });
});
