import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PUBLIC_API, type RouteContract, routeKey } from '@exchange/contracts';
import { openApiText, publicOpenApiDocument } from './openapi.js';

const COMMITTED = resolve(__dirname, '..', '..', '..', '..', 'docs', 'openapi.json');

describe('the public API’s OpenAPI document', () => {
  it('is the committed docs/openapi.json: a change to the public API changes that file in the same commit (npm run docs:openapi)', async () => {
    const generated = openApiText(await publicOpenApiDocument());
    const committed = readFileSync(COMMITTED, 'utf8');
    if (generated !== committed) {
      // name the operations that differ, not a wall of JSON
      const before = JSON.parse(committed) as { paths: Record<string, Record<string, unknown>> };
      const after = JSON.parse(generated) as { paths: Record<string, Record<string, unknown>> };
      const keys = new Set([...Object.keys(before.paths), ...Object.keys(after.paths)]);
      const changed = [...keys].filter((path) => JSON.stringify(before.paths[path]) !== JSON.stringify(after.paths[path]));
      expect.fail(`the public API changed (${changed.join(', ') || 'components or info'}); if intended, run npm run docs:openapi and commit docs/openapi.json`);
    }
  });

  it('documents every public route that is not hidden', async () => {
    const document = (await publicOpenApiDocument()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    const routes: RouteContract[] = Object.values(PUBLIC_API);
    const expected = routes.filter((contract) => !contract.docs?.hide).map(routeKey);
    expect(expected.length).toBeGreaterThan(25);
    for (const key of expected) expect(documented).toContain(key);
  });
});
