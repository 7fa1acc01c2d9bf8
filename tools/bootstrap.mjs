#!/usr/bin/env node
// The README's two commands land here: `npm start` and `npm test` (and `npm run bench`, `simulate`, `lint`, `format`).
// Plain JavaScript without dependencies, because on a fresh clone nothing is installed or built yet:
// it installs when needed, builds (incremental, fast when nothing changed), obtains what the tests
// need that npm does not install (Chromium), then hands over.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    console.error(`Node.js 20.19 or newer is needed (this is ${process.versions.node}).`);
    process.exit(1);
  }
}

// node_modules is up to date when it was installed by us from exactly this lockfile.
function installIfNeeded() {
  const lock = join(root, 'package-lock.json');
  const marker = join(root, 'node_modules', '.exchange-installed-lock');
  const wanted = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === wanted) return;
  console.log('Installing dependencies (npm ci)...');
  run(npm, ['ci', '--no-audit', '--no-fund']);
  writeFileSync(marker, wanted);
}

function build() {
  console.log('Building (tsc -b)...');
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b']);
  buildFrontend();
}

// The front end is built with Vite when its sources are newer than its last build.
function buildFrontend() {
  const frontend = join(root, 'frontend');
  if (!existsSync(join(frontend, 'package.json'))) return;
  const built = join(frontend, 'dist', 'index.html');
  const newest = (path) => {
    const stat = statSync(path);
    if (!stat.isDirectory()) return stat.mtimeMs;
    return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
  };
  const sources = ['src', 'public', 'index.html', 'package.json', 'vite.config.ts'].map((name) => join(frontend, name)).filter((path) => existsSync(path));
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newest))) return;
  console.log('Building the front end (vite build)...');
  run(npm, ['run', 'build', '-w', 'frontend']);
}

const CHROMIUM_INSTALL = 'apt-get install -y chromium';

/** An executable file at `path`, or on PATH under that name. */
function findExecutable(name) {
  const candidates = name.includes('/')
    ? [name]
    : (process.env.PATH ?? '')
        .split(':')
        .filter(Boolean)
        .map((dir) => join(dir, name));
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return statSync(path).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * The browser tier drives Debian's Chromium (browser downloads do not work here). When it is
 * missing, it is installed with apt-get where that is allowed (root); otherwise the run stops at
 * once, saying what to run, rather than reporting success without the browser tier.
 */
function ensureChromium() {
  const wanted = process.env.CHROMIUM_PATH;
  const found = wanted ? findExecutable(wanted) : (findExecutable('/usr/bin/chromium') ?? findExecutable('chromium'));
  if (found) return found;
  if (wanted) fail(`CHROMIUM_PATH=${wanted} is not an executable file. Point it at Chromium, or unset it to use Debian's (${CHROMIUM_INSTALL}).`);
  const apt = findExecutable('apt-get');
  if (!apt || process.getuid?.() !== 0) {
    fail(
      `The browser tests need Chromium, which is not installed${apt ? ' (installing it needs root)' : ''}.\n` +
        `Install it, then run npm test again:\n  sudo ${CHROMIUM_INSTALL}\n(or set CHROMIUM_PATH to a Chromium or Chrome executable)`,
    );
  }
  const started = Date.now();
  console.log(`Chromium is missing: installing Debian's chromium package for the browser tests (${CHROMIUM_INSTALL}); this takes a minute...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const aptRun = (args) => spawnSync(apt, ['-q', ...args], { encoding: 'utf8', env, maxBuffer: 256 * 1024 * 1024 });
  let result = aptRun(['install', '-y', 'chromium']);
  if (result.status !== 0) {
    console.log('  the package lists are stale: apt-get update, then the install again...');
    const update = aptRun(['update']);
    result = update.status === 0 ? aptRun(['install', '-y', 'chromium']) : update;
  }
  const installed = findExecutable('/usr/bin/chromium') ?? findExecutable('chromium');
  if (result.status !== 0 || !installed) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    fail(`Installing Chromium failed (apt-get exit ${result.status}):\n${output}\nInstall it by hand (${CHROMIUM_INSTALL}), then run npm test again.`);
  }
  console.log(`Chromium installed (${installed}) in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  return installed;
}

function fail(message) {
  console.error(`\n${message}\n`);
  process.exit(1);
}

/** Whether a vitest run with these arguments includes the browser tier (every tier unless --project narrows it). */
function runsBrowserTier(args) {
  return runsTier(args, 'browser');
}

/** Whether a vitest run with these arguments includes the tier (every tier unless --project narrows it). */
function runsTier(args, tier) {
  const projects = [];
  args.forEach((arg, index) => {
    if (arg === '--project' && args[index + 1]) projects.push(args[index + 1]);
    else if (arg.startsWith('--project=')) projects.push(arg.slice('--project='.length));
  });
  return projects.length === 0 || projects.some((project) => project === tier || project.includes('*'));
}

/** `npm run lint`: the static checks of the `static` test tier, one after another, each reported. */
async function lint() {
  const { STATIC_CHECKS, runStaticCheck } = await import('./static-checks.mjs');
  let failed = 0;
  for (const check of STATIC_CHECKS) {
    const started = Date.now();
    const result = runStaticCheck(check);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (result.ok) console.log(`✔ ${check.name} (${seconds} s)`);
    else {
      failed += 1;
      console.log(`✖ ${check.name} (${seconds} s)\n${result.output}${check.fix ? `\n  → ${check.fix} fixes what can be fixed automatically` : ''}\n`);
    }
  }
  if (failed > 0) fail(`${failed} of ${STATIC_CHECKS.length} static checks failed.`);
}

checkNode();
const [command, ...rest] = process.argv.slice(2);
installIfNeeded();
if (command === 'format') {
  run(process.execPath, [join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome'), 'check', '--write', '.']);
  process.exit(0);
}
if (command === 'lint') {
  // the type check builds what it checks; nothing else needs building
  await lint();
  process.exit(0);
}
build();

switch (command) {
  case 'start':
  case 'audit':
  case 'simulate':
  case 'backends':
  case 'bench':
  case 'bench:engine': {
    // Same process: a signal sent to `npm start` reaches the launcher directly.
    process.argv = [process.argv[0], join(root, 'tools', 'dist', 'cli.js'), command, ...rest];
    await import(join(root, 'tools', 'dist', 'cli.js'));
    break;
  }
  case 'test': {
    const env = { ...process.env };
    if (runsBrowserTier(rest)) env.CHROMIUM_PATH = ensureChromium();
    // the end-to-end tier reads its traces from a real Jaeger, the integration tier checks the alert
    // rules with promtool: found, or built with Go once
    if (['e2e', 'integration', 'browser'].some((tier) => runsTier(rest, tier))) run(process.execPath, [join(root, 'tools', 'dist', 'cli.js'), 'backends']);
    run(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...rest], { env });
    break;
  }
  default:
    console.error('usage: node tools/bootstrap.mjs start|simulate|audit|backends|test|lint|format|bench|bench:engine');
    process.exit(2);
}
