import { writeFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import { createHttpServer, createLogger, createMetrics, serveRoute, type HttpServer } from '@exchange/platform';
import { PUBLIC_API } from '@exchange/contracts';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/** The OpenAPI document's plugin, as the gateway registers it: the routes' contracts are its only source. */
export async function registerOpenApi(app: HttpServer): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Exchange public API',
        version: '1.0.0',
        description: 'The client gateway of the exchange. Amounts, prices and quantities are decimal strings.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
}

/**
 * The public API's OpenAPI document, from the contracts alone: the gateway's own server factory and
 * plugin, every public route registered from its contract (nothing runs, nothing is connected). The
 * gateway serves the same document at /docs/json; docs/openapi.json is this, committed.
 */
export async function publicOpenApiDocument(): Promise<unknown> {
  const app = createHttpServer({ logger: createLogger('openapi', 'silent'), metrics: createMetrics('openapi'), readiness: {} });
  try {
    await registerOpenApi(app);
    for (const contract of Object.values(PUBLIC_API)) {
      serveRoute(app, contract, () => {
        throw new Error('a document, not a server');
      });
    }
    await app.ready();
    // the components in name order: the order the schemas were registered in (the order modules
    // happened to load) is not part of the API
    const document = app.swagger();
    if ('components' in document && document.components?.schemas) {
      document.components.schemas = Object.fromEntries(Object.entries(document.components.schemas).sort(([a], [b]) => a.localeCompare(b)));
    }
    return document;
  } finally {
    await app.close();
  }
}

/** The document as committed: two-space JSON with a final newline. */
export const openApiText = (document: unknown) => `${JSON.stringify(document, null, 2)}\n`;

/** `npm run docs:openapi`: writes the document; a change to the public API shows in its diff. */
export async function writeOpenApi(path: string): Promise<void> {
  writeFileSync(path, openApiText(await publicOpenApiDocument()));
}
