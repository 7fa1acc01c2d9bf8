#!/usr/bin/env node
// The README's two commands land here: `npm start` and `npm test` (and `npm run bench`).
// Plain JavaScript without dependencies, because on a fresh clone nothing is installed or built yet:
// it installs when needed, builds (incremental, fast when nothing changed), then hands over.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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

checkNode();
const [command, ...rest] = process.argv.slice(2);
installIfNeeded();
build();

switch (command) {
  case 'start':
  case 'bench':
  case 'bench:engine': {
    // Same process: a signal sent to `npm start` reaches the launcher directly.
    process.argv = [process.argv[0], join(root, 'tools', 'dist', 'cli.js'), command, ...rest];
    await import(join(root, 'tools', 'dist', 'cli.js'));
    break;
  }
  case 'test': {
    run(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...rest]);
    break;
  }
  default:
    console.error('usage: node tools/bootstrap.mjs start|test|bench|bench:engine');
    process.exit(2);
}
