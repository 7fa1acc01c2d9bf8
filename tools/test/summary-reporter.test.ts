import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const FIXTURES = resolve(__dirname, 'fixtures', 'summary-reporter');

/** Runs vitest as its own process on some of the fixtures; returns its exit code and summary line. */
function runFixtures(...files: string[]): { status: number | null; summary: string | undefined; output: string } {
  const result = spawnSync(
    process.execPath,
    [resolve(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', resolve(FIXTURES, 'vitest.config.mts'), ...files],
    {
      cwd: FIXTURES,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      timeout: 60_000,
    },
  );
  const output = `${result.stdout}${result.stderr}`;
  const summary = output.split('\n').find((line) => line.startsWith('Summary: '));
  return { status: result.status, summary, output };
}

describe('the summary line of a test run', () => {
  it('counts a failed setup, a failed teardown and a file that cannot load as failed files, and the run fails', () => {
    const run = runFixtures('passing', 'deliberate-skip', 'failing-before-all', 'failing-after-all', 'broken-import', 'failing-test');
    expect(run.status, run.output).toBe(1);
    expect(run.summary, run.output).toBeDefined();
    const summary = run.summary!;
    // passing, deliberate-skip → passed; failing-before-all, failing-after-all, broken-import, failing-test → failed
    expect(summary).toMatch(/^Summary: files 2 passed, 4 failed; tests 5 passed, 3 failed, 2 skipped; failed: /);
    expect(summary).toContain('failing-before-all.fixture.ts (beforeAll');
    expect(summary).toContain('Chromium is not installed');
    expect(summary).toContain('failing-after-all.fixture.ts (afterAll');
    expect(summary).toContain('broken-import.fixture.ts (could not load: ');
    expect(summary).toContain('failing-test.fixture.ts (');
    expect(summary).not.toContain('passing.fixture.ts');
  });

  it('counts tests skipped on purpose as skipped, and a clean run passes', () => {
    const run = runFixtures('passing.fixture.ts', 'deliberate-skip.fixture.ts');
    expect(run.status, run.output).toBe(0);
    expect(run.summary, run.output).toBe('Summary: files 2 passed, 0 failed; tests 3 passed, 0 failed, 2 skipped');
  });

  it('counts tests a name filter left out as skipped, even beside a failing test of the same suite', () => {
    const run = runFixtures('failing-in-suite.fixture.ts', '-t', 'wrong on purpose');
    expect(run.status, run.output).toBe(1);
    expect(run.summary, run.output).toMatch(
      /^Summary: files 0 passed, 1 failed; tests 0 passed, 1 failed, 1 skipped; failed: failing-in-suite\.fixture\.ts \(/,
    );
  });

  it('fails a run in which the setup of the only file failed, though no test failed', () => {
    const run = runFixtures('failing-before-all.fixture.ts');
    expect(run.status, run.output).toBe(1);
    expect(run.summary, run.output).toMatch(
      /^Summary: files 0 passed, 1 failed; tests 0 passed, 2 failed, 0 skipped; failed: failing-before-all\.fixture\.ts \(beforeAll/,
    );
  });
});
