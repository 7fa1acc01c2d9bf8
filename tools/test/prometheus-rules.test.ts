import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROMTOOL, prometheusConfig, resolveBackend } from '@exchange/tools';

const ROOT = resolve(__dirname, '..', '..');
const PROMETHEUS_DIR = join(ROOT, 'deploy', 'prometheus');
const work = mkdtempSync(join(tmpdir(), 'exchange-promtool-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Prometheus's own checker, as `npm run backends` provides it; missing, the file fails loudly. */
function promtool(...args: string[]): { status: number | null; output: string } {
  const found = resolveBackend(ROOT, PROMTOOL, process.env);
  if (!found) throw new Error(`promtool ${PROMTOOL.version} is not there: run npm run backends (it builds it with Go)`);
  const result = spawnSync(found.path, args, { encoding: 'utf8', cwd: work });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("the exchange's Prometheus rules and configurations, checked by promtool", () => {
  it('the alert and recording rules are valid', () => {
    const result = promtool('check', 'rules', join(PROMETHEUS_DIR, 'alerts.yml'));
    expect(result.output).toContain('SUCCESS: 13 rules found');
    expect(result.status).toBe(0);
  });

  it('each alert fires on the series that should fire it and stays quiet before (promtool test rules)', () => {
    const result = promtool('test', 'rules', join(PROMETHEUS_DIR, 'alerts.test.yml'));
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('the rule tests can fail: a threshold moved from 500 ms to 5 s makes them fail', () => {
    const rules = readFileSync(join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8');
    const moved = rules.replace('exchange:http_request_duration_seconds:p95_5m > 0.5', 'exchange:http_request_duration_seconds:p95_5m > 5');
    expect(moved).not.toBe(rules);
    writeFileSync(join(work, 'alerts.yml'), moved);
    copyFileSync(join(PROMETHEUS_DIR, 'alerts.test.yml'), join(work, 'alerts.test.yml'));
    const result = promtool('test', 'rules', join(work, 'alerts.test.yml'));
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('alertname: ExchangeSlowRequests');
  });

  it('the configuration npm start writes and the one of docker compose are valid', () => {
    const written = join(work, 'prometheus.yml');
    writeFileSync(
      written,
      prometheusConfig(
        [
          { job: 'client-gateway', address: '127.0.0.1:9347', path: '/metrics' },
          { job: 'wallet-service', address: '127.0.0.1:8651', path: '/metrics' },
        ],
        join(PROMETHEUS_DIR, 'alerts.yml'),
      ),
    );
    const launcher = promtool('check', 'config', written);
    expect(launcher.output).toContain('SUCCESS');
    expect(launcher.status).toBe(0);
    // compose mounts the rules at /etc/prometheus: only the syntax can be checked here
    const compose = promtool('check', 'config', '--syntax-only', join(PROMETHEUS_DIR, 'compose.yml'));
    expect(compose.output).toContain('SUCCESS');
    expect(compose.status).toBe(0);
  });
});
