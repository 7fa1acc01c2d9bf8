import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withGeneratedSections } from './security-tables.js';

describe('docs/SECURITY.md', () => {
  it('shows the route × caller table and the Redis permissions exactly as the code enforces them (npm run docs:security)', () => {
    const document = readFileSync(resolve(__dirname, '..', '..', '..', 'docs', 'SECURITY.md'), 'utf8');
    expect(withGeneratedSections(document)).toBe(document);
  });
});
