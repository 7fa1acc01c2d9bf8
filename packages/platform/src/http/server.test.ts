import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { createLogger } from '../logger.js';
import { createMetrics } from './metrics.js';
import { createHttpServer } from './server.js';

function server(readiness: Record<string, () => Promise<unknown>> = {}) {
  const app = createHttpServer({
    logger: createLogger('test', 'silent'),
    metrics: createMetrics('test'),
    readiness,
    readinessTimeoutMs: 200,
    requireContracts: false,
  });
  app.post('/things', { schema: { body: z.strictObject({ name: z.string().min(2), size: z.number().int().optional() }) } }, async (request) => ({
    got: request.body,
  }));
  app.get('/refuse', async () => {
    throw new AppError('EMAIL_TAKEN', 'taken', { field: 'email' });
  });
  app.get('/crash', async () => {
    throw new Error('database password is hunter2');
  });
  return app;
}

describe('the shared HTTP server', () => {
  it('answers /healthz and reports /readyz per dependency', async () => {
    const app = server({ postgres: async () => 1, redis: () => Promise.reject(new Error('ECONNREFUSED')), slow: () => new Promise(() => {}) });
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({
      status: 'not ready',
      checks: {
        postgres: { status: 'up' },
        redis: { status: 'down', error: 'ECONNREFUSED' },
        slow: { status: 'down', error: 'slow did not answer within 200 ms' },
      },
    });
  });

  it('maps an AppError to its status and the API error body', async () => {
    const response = await server().inject('/refuse');
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ error: { code: 'EMAIL_TAKEN', message: 'taken', details: { field: 'email' } } });
  });

  it('hides the message of an unexpected error behind a generic 500', async () => {
    const response = await server().inject('/crash');
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side' } });
    expect(response.body).not.toContain('hunter2');
  });

  it('names every invalid and unknown field in a 400 VALIDATION_FAILED', async () => {
    const response = await server().inject({ method: 'POST', url: '/things', payload: { name: 'x', size: 1.5, colour: 'red' } });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(body.error.details.fields).sort()).toEqual(['colour', 'name', 'size']);
  });

  it('answers malformed JSON with 400 and unknown routes with 404 ROUTE_NOT_FOUND', async () => {
    const app = server();
    const malformed = await app.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json' }, payload: '{"name":' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('VALIDATION_FAILED');
    const missing = await app.inject('/nowhere?x=1');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'ROUTE_NOT_FOUND', message: 'No such route' } });
  });

  it('believes X-Forwarded-For only from configured proxies', async () => {
    const make = (trustProxy: boolean | string) => {
      const app = createHttpServer({
        logger: createLogger('test', 'silent'),
        metrics: createMetrics('test'),
        readiness: {},
        trustProxy,
        requireContracts: false,
      });
      app.get('/ip', async (request) => ({ ip: request.ip }));
      return app;
    };
    const headers = { 'x-forwarded-for': '198.51.100.7' };
    expect((await make(false).inject({ url: '/ip', headers })).json().ip).toBe('127.0.0.1');
    expect((await make('127.0.0.1').inject({ url: '/ip', headers })).json().ip).toBe('198.51.100.7');
  });

  it('records request durations per route template and errors per status', async () => {
    const metrics = createMetrics('test');
    const app = createHttpServer({ logger: createLogger('test', 'silent'), metrics, readiness: {}, requireContracts: false });
    app.get('/items/:id', async () => {
      throw new AppError('NOT_FOUND', 'no such item');
    });
    await app.inject('/items/1');
    await app.inject('/items/2');
    const text = await metrics.registry.metrics();
    const lines = text.split('\n');
    const sample = (prefix: string, labels: string[]) => lines.find((line) => line.startsWith(prefix) && labels.every((label) => line.includes(label)));
    expect(sample('http_server_request_duration_seconds_count{', ['route="/items/:id"', 'status_code="404"', 'method="GET"'])).toMatch(/ 2$/);
    expect(sample('http_server_errors_total{', ['route="/items/:id"', 'code="NOT_FOUND"'])).toMatch(/ 2$/);
  });
});

describe('a route without a contract', () => {
  it('cannot be registered: the process would not start', () => {
    const app = createHttpServer({ logger: createLogger('test', 'silent'), metrics: createMetrics('test'), readiness: {} });
    expect(() => app.get('/v1/things', async () => ({}))).toThrow(/GET \/v1\/things is registered without a contract/);
    // the platform's own routes and the documentation need none
    expect(() => app.get('/docs/extra', async () => ({}))).not.toThrow();
  });
});
