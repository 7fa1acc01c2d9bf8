import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, createHttpServer, createLogger, createMetrics, ServiceClient, type HttpServer } from '../src/index.js';

describe('ServiceClient against a real HTTP server', () => {
  let upstream: HttpServer;
  let baseUrl: string;

  beforeAll(async () => {
    upstream = createHttpServer({ logger: createLogger('upstream', 'silent'), metrics: createMetrics('upstream'), readiness: {}, requireContracts: false });
    upstream.post('/echo', async (request) => ({ received: request.body, traceparent: request.headers.traceparent ?? null }));
    upstream.get('/taken', async () => {
      throw new AppError('EMAIL_TAKEN', 'An account with this e-mail already exists', { email: 'a@b.c' });
    });
    upstream.get('/slow', async () => new Promise((resolve) => setTimeout(() => resolve({ late: true }), 1500)));
    upstream.get('/html-error', async (_request, reply) => reply.status(502).type('text/html').send('<h1>bad gateway</h1>'));
    await upstream.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(upstream.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => upstream?.close());

  const client = (timeoutMs = 5000) => new ServiceClient({ service: 'wallet-service', baseUrl, timeoutMs });

  it('sends and receives JSON', async () => {
    const response = await client().request({ method: 'POST', path: '/echo', body: { amount: '10.00' } });
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ received: { amount: '10.00' } });
  });

  it('passes an upstream API error through with the same code, status and details', async () => {
    const error = await client()
      .request({ method: 'GET', path: '/taken' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'EMAIL_TAKEN', statusCode: 409, details: { email: 'a@b.c' } });
  });

  it('turns a slow upstream into 504 UPSTREAM_TIMEOUT', async () => {
    const error = await client(300)
      .request({ method: 'GET', path: '/slow' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', statusCode: 504, details: { service: 'wallet-service' } });
  });

  it('turns an unreachable upstream into 503 SERVICE_UNAVAILABLE', async () => {
    const closed = new ServiceClient({ service: 'wallet-service', baseUrl: 'http://127.0.0.1:1', timeoutMs: 1000 });
    const error = await closed.request({ method: 'GET', path: '/anything' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', statusCode: 503, details: { service: 'wallet-service' } });
  });

  it('turns an error without our error body into 502 UPSTREAM_ERROR', async () => {
    const error = await client()
      .request({ method: 'GET', path: '/html-error' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', statusCode: 502, details: { upstreamStatus: 502 } });
  });
});
