import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backendCacheDir, JAEGER, PROMETHEUS, resolveBackend } from './backends.js';
import { jaegerConfig, prometheusConfig, resolveObservabilityPorts, STANDARD_OBSERVABILITY_PORTS, startObservability } from './observability.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'exchange-backends-'));
  dirs.push(dir);
  return dir;
}
function executable(path: string): string {
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, 0o755);
  return path;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('finding Jaeger and Prometheus', () => {
  it('takes the named binary first, then one on PATH, then one built earlier', () => {
    const root = tempDir();
    const bin = tempDir();
    mkdirSync(backendCacheDir(root), { recursive: true });
    const cached = executable(join(backendCacheDir(root), `jaeger-${JAEGER.version}`));
    expect(resolveBackend(root, JAEGER, { PATH: '' })).toEqual({ path: cached, source: 'built earlier' });
    const onPath = executable(join(bin, 'jaeger'));
    expect(resolveBackend(root, JAEGER, { PATH: bin })).toEqual({ path: onPath, source: 'PATH' });
    const named = executable(join(tempDir(), 'my-jaeger'));
    expect(resolveBackend(root, JAEGER, { PATH: bin, JAEGER_BIN: named })).toEqual({ path: named, source: 'variable' });
    expect(resolveBackend(root, PROMETHEUS, { PATH: bin })).toBeUndefined();
  });

  it('refuses a variable that names no executable rather than silently using another binary', () => {
    const root = tempDir();
    expect(() => resolveBackend(root, PROMETHEUS, { PROMETHEUS_BIN: join(root, 'missing') })).toThrow(/PROMETHEUS_BIN=.* is not an executable file/);
    const notExecutable = join(root, 'plain');
    writeFileSync(notExecutable, '');
    expect(() => resolveBackend(root, PROMETHEUS, { PROMETHEUS_BIN: notExecutable })).toThrow(/not an executable/);
  });

  it('without a binary and without Go: npm start says in one line how to get each and carries on; a required start fails', async () => {
    const root = tempDir();
    const lines: string[] = [];
    const options = {
      mode: 'optional' as const,
      jaeger: true,
      prometheus: true,
      ports: resolveObservabilityPorts({ EXCHANGE_PORT_BASE: '20000' }),
      workDir: join(root, 'work'),
      maxTraces: 100,
      env: { PATH: tempDir() },
    };
    const hooks = { output: (line: string) => lines.push(line), format: () => (line: string) => line, restart: false };
    const running = await startObservability(root, options, () => [], hooks);
    await running.settled;
    expect(running.processes).toEqual([]);
    expect(running.jaegerUrl).toBeUndefined();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Jaeger v1\.75\.0 is not installed .*To get it: docker run .*jaegertracing\/jaeger.* The exchange runs without it\.$/);
    expect(lines[1]).toMatch(/^Prometheus v0\.316\.0 is not installed/);
    await expect(startObservability(root, { ...options, mode: 'required' }, () => [], hooks)).rejects.toThrow(/Jaeger v1\.75\.0 is not installed/);
  });
});

describe('their configurations', () => {
  it('gives a private system its own block of ports and npm start the standard ones', () => {
    expect(resolveObservabilityPorts({})).toEqual(STANDARD_OBSERVABILITY_PORTS);
    const ports = Object.values(resolveObservabilityPorts({ EXCHANGE_PORT_BASE: '23000' }));
    expect(new Set(ports).size).toBe(ports.length);
    expect(Math.min(...ports)).toBe(23020);
    expect(Math.max(...ports)).toBeLessThan(23030);
  });

  it('bounds Jaeger’s memory by a trace count and listens on loopback only', () => {
    const config = jaegerConfig(STANDARD_OBSERVABILITY_PORTS, 1234);
    expect(config).toContain('max_traces: 1234');
    const endpoints = [...config.matchAll(/endpoint: (\S+)/g)].map((match) => match[1]);
    expect(endpoints).toEqual(['127.0.0.1:16686', '127.0.0.1:16685', '127.0.0.1:13133', '127.0.0.1:4317', '127.0.0.1:4318']);
  });

  it('has Prometheus scrape each target as its own job with the rules file', () => {
    const config = prometheusConfig(
      [
        { job: 'client-gateway', address: '127.0.0.1:9347', path: '/metrics' },
        { job: 'wallet-service', address: '127.0.0.1:8651', path: '/metrics' },
      ],
      '/x/alerts.yml',
    );
    expect(config).toContain('rule_files:\n  - "/x/alerts.yml"');
    expect(config).toContain('- job_name: "client-gateway"\n    metrics_path: "/metrics"\n    static_configs:\n      - targets: ["127.0.0.1:9347"]');
    expect(config.match(/job_name/g)).toHaveLength(2);
  });
});
