import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@exchange/platform/testing';
import { findFreePortBase, isPortFree } from '@exchange/tools';

const ROOT = resolve(__dirname, '..', '..');
const PROCESS_COUNT = 9;

/** Every live descendant of `pid`, read from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue; // a zombie is gone, only not yet reaped
      const parent = Number(fields[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const walk = (id: number): void => {
    for (const child of children.get(id) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

const isAlive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string, alive?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    if (alive && alive.exitCode !== null) throw new Error(`the launcher exited (${alive.exitCode}) before ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function launch(command: string, args: string[], env: Record<string, string>, ownGroup = false): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'], detached: ownGroup });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

describe('npm start', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let portBase: number;

  beforeAll(async () => {
    portBase = await findFreePortBase();
    database = await createTestDatabase();
    redis = createTestRedis();
  });
  afterAll(async () => {
    await redis?.clean();
    await database?.drop();
  });

  it('starts every process, survives a killed one, and leaves nothing behind after SIGTERM', { timeout: 180_000 }, async () => {
    const { child, output } = launch('npm', ['start'], {
      EXCHANGE_PORT_BASE: String(portBase),
      DATABASE_URL: database.url,
      REDIS_KEY_PREFIX: redis.prefix,
      // no collector listens here: tracing must neither fail nor slow anything down
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
    });
    try {
      await until(() => output().includes('Ctrl-C stops everything.'), 120_000, 'the URL table', child).catch((error: Error) => {
        throw new Error(`${error.message}; output:\n${output()}`);
      });
      for (let i = 0; i < PROCESS_COUNT; i++) expect(output()).toContain(`http://127.0.0.1:${portBase + i}/healthz`);
      // Jaeger and Prometheus run beside it (built earlier by npm run backends), on the block's ports
      expect(output()).toContain(`Traces:      http://127.0.0.1:${portBase + 9}/traces`);
      expect(output()).toContain(`Prometheus:  http://127.0.0.1:${portBase + 26}/api/v1/targets`);
      expect((await fetch(`http://127.0.0.1:${portBase + 20}/api/v3/services`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${portBase + 26}/-/ready`)).status).toBe(200);
      expect(output()).toMatch(/user-service +\| .*admin account created/);
      const processes = descendants(child.pid!).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('dist/main.js'));
      expect(processes).toHaveLength(PROCESS_COUNT);

      // a process that dies is reported loudly and restarted
      const walletUrl = `http://127.0.0.1:${portBase + 3}`;
      const walletPid = processes.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('wallet-service'))!;
      process.kill(walletPid, 'SIGKILL');
      await until(() => output().includes('wallet-service was killed by SIGKILL; restarting'), 5000, 'the crash notice');
      await until(async () => (await fetch(`${walletUrl}/readyz`).catch(() => undefined))?.status === 200, 30_000, 'wallet-service to come back');

      const everything = descendants(child.pid!);
      const stoppedAt = Date.now();
      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
      await until(() => everything.every((pid) => !isAlive(pid)), 5000, 'every process to end');
      expect(Date.now() - stoppedAt).toBeLessThan(5000);
      expect(output()).toContain('All processes stopped.');
      for (let i = 0; i < PROCESS_COUNT; i++) expect(await isPortFree(portBase + i)).toBe(true);
      for (const port of [portBase + 20, portBase + 23, portBase + 26]) expect(await isPortFree(port)).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      for (const pid of descendants(child.pid!)) process.kill(pid, 'SIGKILL');
    }
  });

  it('stops everything on a terminal Ctrl-C, which reaches npm and the launcher both', { timeout: 180_000 }, async () => {
    // like a terminal: npm and the launcher in one foreground process group, SIGINT sent to the group
    const { child, output } = launch(
      'npm',
      ['start'],
      { EXCHANGE_PORT_BASE: String(portBase), DATABASE_URL: database.url, REDIS_KEY_PREFIX: redis.prefix },
      true,
    );
    try {
      await until(() => output().includes('Ctrl-C stops everything.'), 120_000, 'the URL table', child).catch((error: Error) => {
        throw new Error(`${error.message}; output:\n${output()}`);
      });
      const everything = descendants(child.pid!);
      expect(everything.length).toBeGreaterThan(PROCESS_COUNT);
      process.kill(-child.pid!, 'SIGINT');
      await until(() => everything.every((pid) => !isAlive(pid)), 5000, `every process to end; output:\n${output().slice(-2000)}`);
      for (let i = 0; i < PROCESS_COUNT; i++) expect(await isPortFree(portBase + i)).toBe(true);
    } finally {
      for (const pid of descendants(child.pid!)) process.kill(pid, 'SIGKILL');
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('stops what it started when a signal arrives before everything is ready', async () => {
    const { child, output } = launch(process.execPath, ['tools/dist/cli.js', 'start'], {
      EXCHANGE_PORT_BASE: String(portBase),
      DATABASE_URL: database.url,
      REDIS_KEY_PREFIX: redis.prefix,
    });
    try {
      await until(() => descendants(child.pid!).length >= PROCESS_COUNT, 30_000, 'the processes to be spawned');
      expect(output()).not.toContain('Ctrl-C stops everything.');
      const everything = descendants(child.pid!);
      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
      await until(() => everything.every((pid) => !isAlive(pid)), 5000, 'every process to end');
      expect(output()).toContain('All processes stopped.');
    } finally {
      for (const pid of descendants(child.pid!)) process.kill(pid, 'SIGKILL');
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('explains how to start PostgreSQL when it is unreachable, and exits non-zero', async () => {
    const { child, output } = launch(process.execPath, ['tools/dist/cli.js', 'start'], {
      EXCHANGE_PORT_BASE: String(portBase),
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/exchange',
    });
    expect(await exitOf(child)).toBe(1);
    expect(output()).toContain('PostgreSQL is not reachable at postgres://postgres@127.0.0.1:1/postgres');
    expect(output()).toContain('pg_ctlcluster --skip-systemctl-redirect 15 main start');
  });

  it('explains how to start Redis when it is unreachable, and exits non-zero', async () => {
    const { child, output } = launch(process.execPath, ['tools/dist/cli.js', 'start'], {
      EXCHANGE_PORT_BASE: String(portBase),
      DATABASE_URL: database.url,
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(await exitOf(child)).toBe(1);
    expect(output()).toContain('Redis is not reachable at redis://127.0.0.1:1');
    expect(output()).toContain('redis-server --daemonize yes');
  });

  it('refuses to start on ports already in use, naming them', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(portBase + 1, '127.0.0.1', r));
    try {
      const { child, output } = launch(process.execPath, ['tools/dist/cli.js', 'start'], {
        EXCHANGE_PORT_BASE: String(portBase),
        DATABASE_URL: database.url,
        REDIS_KEY_PREFIX: redis.prefix,
      });
      expect(await exitOf(child)).toBe(1);
      expect(output()).toContain(`${portBase + 1} (user-service)`);
    } finally {
      blocker.close();
    }
  });
});
