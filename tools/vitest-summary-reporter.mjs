// Prints one plain closing line that counts files and tests across every tier, e.g.
//   Summary: files 52 passed, 1 failed; tests 402 passed, 1 failed, 1 skipped; failed: test/browser/trading.test.ts (beforeAll)
// vitest's own report stays above it. The counts are meant to be trusted by CI, so:
//  - a file that fails to load, or whose beforeAll/afterAll fails, is a failed file, and is named;
//  - a test that did not run because its setup failed is counted as failed, not skipped;
//  - a test counts as skipped only when it was skipped on purpose (`skip`/`todo`, or `ctx.skip()`);
//  - unhandled errors count as failures, and any failure sets a non-zero exit code.

/** The first error's first line, after the hook it happened in when that is known. */
function describeErrors(errors, where) {
  const first = errors[0];
  const message = first ? String(first.message ?? first).split('\n')[0] : 'failed';
  return where ? `${where}: ${message}` : message;
}

/**
 * The errors that happened outside the tests of a module and its suites, and where: a module without
 * tests could not be loaded; a suite whose tests never ran failed in beforeAll; one whose tests ran
 * failed in afterAll.
 */
function setupErrors(module) {
  const errors = [];
  let where;
  for (const node of [module, ...module.children.allSuites()]) {
    const own = node.errors();
    if (own.length === 0) continue;
    errors.push(...own);
    if (where !== undefined) continue;
    const tests = [...node.children.allTests()];
    if (tests.length === 0) where = node === module ? 'could not load' : 'beforeAll';
    else where = tests.some((test) => ['passed', 'failed'].includes(test.result().state)) ? 'afterAll' : 'beforeAll';
  }
  return { errors, where };
}

/**
 * Whether an ancestor of a test had its own setup or teardown fail (a suite that failed only
 * because one of its tests did is not such an ancestor: its other tests may be skipped on purpose).
 */
function hasFailedAncestor(test) {
  for (let node = test.parent; node; node = node.type === 'module' ? undefined : node.parent) {
    if (node.errors().length > 0) return true;
  }
  return false;
}

/**
 * Counts a finished run. `testModules` and `unhandledErrors` are what vitest hands `onTestRunEnd`;
 * the answer says what to print and whether the run failed.
 */
export function summarize(testModules, unhandledErrors = []) {
  const files = { passed: 0, failed: 0, skipped: 0 };
  const tests = { passed: 0, failed: 0, skipped: 0 };
  const failedFiles = [];
  for (const module of testModules) {
    let moduleFailed = module.state() === 'failed';
    for (const test of module.children.allTests()) {
      const result = test.result();
      if (result.state === 'passed') tests.passed += 1;
      else if (result.state === 'failed') tests.failed += 1;
      else if (result.state === 'skipped' && !hasFailedAncestor(test)) tests.skipped += 1;
      else {
        // meant to run, but did not: its setup failed, or the run stopped before it finished
        tests.failed += 1;
        moduleFailed = true;
      }
    }
    const { errors, where } = setupErrors(module);
    if (errors.length > 0) moduleFailed = true;
    if (moduleFailed) {
      files.failed += 1;
      const reason = errors.length > 0 ? describeErrors(errors, where) : describeErrors(failedTestErrors(module));
      failedFiles.push(`${module.relativeModuleId ?? module.moduleId} (${reason})`);
    } else if (module.state() === 'skipped') files.skipped += 1;
    else files.passed += 1;
  }
  const failed = files.failed > 0 || tests.failed > 0 || unhandledErrors.length > 0;
  let line = `Summary: files ${files.passed} passed, ${files.failed} failed`;
  if (files.skipped > 0) line += `, ${files.skipped} skipped`;
  line += `; tests ${tests.passed} passed, ${tests.failed} failed, ${tests.skipped} skipped`;
  if (unhandledErrors.length > 0) line += `; ${unhandledErrors.length} unhandled error${unhandledErrors.length === 1 ? '' : 's'}`;
  if (testModules.length === 0) line += '; no test file ran';
  if (failedFiles.length > 0) line += `; failed: ${failedFiles.join(', ')}`;
  return { line, failed: failed || testModules.length === 0, files, tests };
}

function failedTestErrors(module) {
  for (const test of module.children.allTests()) {
    const result = test.result();
    if (result.state === 'failed' && result.errors.length > 0) return [{ message: `${test.fullName}: ${result.errors[0].message}` }];
  }
  return [{ message: 'a test did not run' }];
}

export default class SummaryReporter {
  /** `write` replaces stdout and `setExitCode: false` leaves the exit code alone (both for its own test). */
  constructor(options = {}) {
    this.write = options.write ?? ((text) => process.stdout.write(text));
    this.setExitCode = options.setExitCode ?? true;
  }

  onTestRunEnd(testModules, unhandledErrors) {
    const summary = summarize(testModules, unhandledErrors);
    this.write(`\n${summary.line}\n`);
    if (summary.failed && this.setExitCode) process.exitCode = 1;
  }
}
