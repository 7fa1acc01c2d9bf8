import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';
import { z } from 'zod';

/**
 * The front end's server: the built app (frontend/dist) as static files, `/config.js` written from
 * this process's settings (the gateway and Jaeger addresses of this run, so one build serves any
 * port layout), every other path answered with index.html (the app routes in the browser), and
 * the headers a browser needs to keep the app safe: a Content-Security-Policy that allows scripts
 * and styles from this origin only and connections to the gateway only, no framing, nosniff, a
 * strict referrer policy. Source maps are never served.
 */
const config = z
  .object({
    FRONTEND_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    HOST: z.string().default('127.0.0.1'),
    FRONTEND_DIST: z.string().min(1),
    FRONTEND_GATEWAY_URL: z.url(),
    /** a Jaeger whose own UI the trace links open; empty: the front end's own trace pages */
    FRONTEND_JAEGER_URL: z.union([z.url(), z.literal('')]).default(''),
  })
  .parse(process.env);

if (!existsSync(join(config.FRONTEND_DIST, 'index.html'))) {
  process.stderr.write(`frontend: ${config.FRONTEND_DIST} holds no built app (npm run build -w frontend)\n`);
  process.exit(1);
}

/**
 * The one inline style the app needs: the `<style>` lightweight-charts adds for its attribution
 * logo, allowed by its hash (the browser test fails, naming the new hash, if an update changes it).
 */
const LIGHTWEIGHT_CHARTS_LOGO_STYLE = "'sha256-3pRED1tOXas1FXFoPb9TGCjmYe9XQsmO9OV23khV2nY='";

const gateway = new URL(config.FRONTEND_GATEWAY_URL);
const gatewayWs = `${gateway.protocol === 'https:' ? 'wss:' : 'ws:'}//${gateway.host}`;
const runtimeConfig = `window.EXCHANGE_CONFIG = ${JSON.stringify({ gatewayUrl: config.FRONTEND_GATEWAY_URL, jaegerUrl: config.FRONTEND_JAEGER_URL })};\n`;

async function main(): Promise<void> {
  const app = Fastify({ logger: { level: 'warn' }, return503OnClosing: true, forceCloseConnections: 'idle' });

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", LIGHTWEIGHT_CHARTS_LOGO_STYLE],
        // the chart and the book's depth bars size themselves with style attributes
        styleSrcAttr: ["'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", gateway.origin, gatewayWs],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    crossOriginEmbedderPolicy: false,
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/config.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-store').send(runtimeConfig));

  await app.register(fastifyStatic, {
    root: config.FRONTEND_DIST,
    wildcard: false,
    index: false,
    // hashed file names: cache them for good; the page itself is always fetched again
    setHeaders: (reply, path) => {
      reply.header('cache-control', path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
    // the runtime configuration is made above; source maps are never published
    globIgnore: ['config.js', '**/*.map'],
    allowedPath: (path) => !path.endsWith('.map'),
  });

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    // a missing asset, source map or file is a 404; any other path is a page of the app
    if (request.method !== 'GET' || path.startsWith('/assets/') || /\.[a-z0-9]+$/i.test(path)) {
      return reply.status(404).type('text/plain').send('Not found');
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });

  const close = async () => {
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
  await app.listen({ host: config.HOST, port: config.FRONTEND_PORT });
}

void main();
