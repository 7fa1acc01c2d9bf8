// The project's static checks, in one list used by `npm run lint` (tools/bootstrap.mjs) and by the
// `static` tier of `npm test` (test/static/checks.test.ts), so both always run the same commands.
// Plain JavaScript: it runs before anything is built.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (...path) => join(ROOT, 'node_modules', ...path);

export const STATIC_CHECKS = [
  {
    name: 'formatting and lint (Biome)',
    fix: 'npm run format',
    args: [bin('@biomejs', 'biome', 'bin', 'biome'), 'check', '--colors=off', '--error-on-warnings', '.'],
  },
  {
    name: 'types of every project, the front end and the tests included (tsc -b)',
    args: [bin('typescript', 'bin', 'tsc'), '-b', 'tsconfig.json', 'frontend', 'tsconfig.tests.json'],
  },
  {
    name: 'layer boundaries (dependency-cruiser)',
    args: [
      bin('dependency-cruiser', 'bin', 'dependency-cruise.mjs'),
      '--config',
      '.dependency-cruiser.cjs',
      '--output-type',
      'err',
      'packages',
      'services',
      'tools',
      'frontend/src',
      'test',
    ],
  },
];

/** Runs one check to the end; its output comes back as text so a caller can show it on failure. */
export function runStaticCheck(check) {
  const result = spawnSync(process.execPath, check.args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
  if (result.error) throw result.error;
  return { ok: result.status === 0, status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}
