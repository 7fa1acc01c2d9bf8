import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { call, login, register, uniqueEmail } from './support.js';

const PROCESSES = [
  'client-gateway',
  'user-service',
  'order-manager',
  'wallet-service',
  'reporting-service',
  'risk-manager',
  'matching-engine',
  'market-data',
  'notification',
];

describe('every backend process', () => {
  for (const name of PROCESSES) {
    it(`${name} answers /healthz, /readyz (PostgreSQL and Redis up) and /metrics`, async () => {
      const url = inject('serviceUrls')[name]!;
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });

      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: { status: 'up' }, redis: { status: 'up' } } });

      const metrics = await fetch(inject('metricsUrls')[name]!);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      const text = await metrics.text();
      expect(text).toContain('# TYPE http_server_request_duration_seconds histogram');
      expect(text).toContain(`service="${name}"`);
      expect(text).toMatch(/process_resident_memory_bytes\{service="[^"]+"\} \d+/);
    });
  }

  it('serves no /metrics on the gateway’s public port, only on its own listener', async () => {
    const publicMetrics = await fetch(`${inject('serviceUrls')['client-gateway']}/metrics`);
    expect(publicMetrics.status).toBe(404);
    expect(((await publicMetrics.json()) as { error: { code: string } }).error.code).toBe('ROUTE_NOT_FOUND');
    expect(new URL(inject('metricsUrls')['client-gateway']!).port).not.toBe(new URL(inject('serviceUrls')['client-gateway']!).port);
  });
});

describe('stream backlogs', () => {
  it('shows, for every stream a process consumes, what its group has not read yet and not yet acknowledged', async () => {
    for (const [service, stream] of [
      ['order-manager', 'executions:'],
      ['notification', 'wallet-events'],
      ['reporting-service', 'executions:'],
      ['market-data', 'executions:'],
      ['matching-engine', 'orders:'],
    ] as const) {
      const text = await (await fetch(inject('metricsUrls')[service]!)).text();
      const samples = text.split('\n').filter((line) => line.startsWith('exchange_stream_backlog_events{') && line.includes(`stream="${stream}`));
      expect(
        samples.some((line) => line.includes('kind="lag"')),
        `${service} ${stream} lag`,
      ).toBe(true);
      expect(
        samples.some((line) => line.includes('kind="pending"')),
        `${service} ${stream} pending`,
      ).toBe(true);
      for (const line of samples) expect(line).toMatch(/ \d+$/);
    }
  });
});

describe('gateway metrics', () => {
  it('counts requests per route and status, and errors per stable code', async () => {
    await call('POST', '/v1/auth/login', { body: { email: uniqueEmail('metrics'), password: 'not-the-password' } });
    const text = await (await fetch(inject('metricsUrls')['client-gateway']!)).text();
    const sample = (metric: string, labels: string) =>
      text.split('\n').find((line) => line.startsWith(`${metric}{`) && labels.split(',').every((label) => line.includes(label)));
    expect(sample('http_server_request_duration_seconds_count', 'route="/v1/auth/login",status_code="401",method="POST"')).toMatch(/ [1-9]\d*$/);
    expect(sample('http_server_errors_total', 'route="/v1/auth/login",code="INVALID_CREDENTIALS"')).toMatch(/ [1-9]\d*$/);
  });
});

describe('gateway edges', () => {
  it('serves an OpenAPI document generated from the request schemas, and its UI at /docs', async () => {
    const document = (await call('GET', '/docs/json')).body;
    expect(document.openapi).toBe('3.1.0');
    const register = document.paths['/v1/auth/register'].post;
    const body = register.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['email', 'password']));
    expect(body.properties.password.minLength).toBe(8);
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(register.responses)).toEqual(expect.arrayContaining(['201', '400', '409', '429']));
    expect(document.paths['/v1/auth/login'].post).toBeDefined();
    expect(document.paths['/v1/me'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths['/healthz']).toBeUndefined();
    // what the running gateway serves is the committed contract of the public API, to the byte
    expect(document).toEqual(JSON.parse(readFileSync(resolve(__dirname, '..', '..', 'docs', 'openapi.json'), 'utf8')));
    const ui = await call('GET', '/docs');
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toContain('text/html');
  });

  it('allows the front end origin by CORS and no other', async () => {
    const preflight = (origin: string) =>
      call('OPTIONS', '/v1/me', { headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    const allowed = await preflight('http://localhost:3000');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await call('GET', '/healthz', { headers: { origin: 'http://localhost:3000' } });
    expect(simple.headers.get('access-control-expose-headers')).toContain('x-trace-id');
  });

  it('sets security headers on API responses', async () => {
    const response = await call('GET', '/healthz');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('strict-transport-security')).toContain('max-age=');
  });
});

describe('rate limiting', () => {
  it('answers 429 RATE_LIMITED with retry-after once one address used up its login attempts', async () => {
    const ip = '203.0.113.7';
    const limit = inject('authRateLimit');
    const attempt = () => call('POST', '/v1/auth/login', { ip, body: { email: uniqueEmail('rl'), password: 'wrong-password' } });
    for (let i = 0; i < limit; i++) expect((await attempt()).status).toBe(401);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(limited.body.error.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // another address is not affected
    expect((await call('POST', '/v1/auth/login', { ip: '203.0.113.8', body: { email: uniqueEmail('rl'), password: 'wrong-password' } })).status).toBe(401);
  });

  it('gives registration its own strict per-address budget', async () => {
    const ip = '203.0.113.9';
    const { email } = await register(uniqueEmail('rl-reg'));
    const attempt = () => call('POST', '/v1/auth/register', { ip, body: { email, password: 'correct-horse' } });
    for (let i = 0; i < inject('authRateLimit'); i++) expect((await attempt()).status).toBe(409);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
  });

  it('limits every client address before authentication, so bad-token floods are limited too', async () => {
    const ip = '203.0.113.10';
    const limit = inject('addressRateLimit');
    const statuses = await Promise.all(
      Array.from({ length: limit }, () => call('GET', '/v1/me', { ip, headers: { authorization: 'Bearer forged' } }).then((r) => r.status)),
    );
    expect(statuses.every((status) => status === 401)).toBe(true);
    const limited = await call('GET', '/v1/me', { ip, headers: { authorization: 'Bearer forged' } });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // invalid bodies count too
    expect((await call('POST', '/v1/auth/login', { ip, rawBody: '{' })).status).toBe(429);
  });

  it('limits signed-in callers per user, whatever address they come from', async () => {
    const { email, password } = await register(uniqueEmail('rl-user'));
    const token = await login(email, password);
    const limit = inject('userRateLimit');
    const statuses: number[] = [];
    for (let i = 0; i < limit; i++) statuses.push((await call('GET', '/v1/me', { token })).status);
    expect(statuses.every((status) => status === 200)).toBe(true);
    const limited = await call('GET', '/v1/me', { token });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    // another user keeps their own budget
    const other = await register(uniqueEmail('rl-other'));
    expect((await call('GET', '/v1/me', { token: await login(other.email, other.password) })).status).toBe(200);
  });
});
