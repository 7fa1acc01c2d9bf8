import { execFile, spawn, spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The trace backend (Jaeger) and the metrics server (Prometheus) the exchange runs beside itself.
 * Each is a real upstream program at a pinned version, built from its Go module by a small module
 * of ours (`tools/backends/<name>/go.mod`, its `go.sum` pinning every dependency) when no binary is
 * given or found.
 */
export interface BackendSpec {
  name: 'jaeger' | 'prometheus' | 'promtool';
  /** our Go module that pins it (tools/backends/<module>) */
  module: 'jaeger' | 'prometheus';
  title: string;
  version: string;
  /** the Go package of its command */
  goPackage: string;
  /** the variable that names a binary to use instead */
  binVariable: string;
  /** the name it has on PATH */
  command: string;
  /** how a user without Go gets it, in one line */
  howToGet: string;
}

export const JAEGER: BackendSpec = {
  name: 'jaeger',
  module: 'jaeger',
  title: 'Jaeger',
  version: 'v1.75.0',
  goPackage: 'github.com/jaegertracing/jaeger/cmd/jaeger',
  binVariable: 'JAEGER_BIN',
  command: 'jaeger',
  howToGet:
    'docker run --rm -p 16686:16686 -p 4317:4317 -p 4318:4318 jaegertracing/jaeger:2.12.0, or install Go and run npm run backends (builds jaeger v1.75.0)',
};

export const PROMETHEUS: BackendSpec = {
  name: 'prometheus',
  module: 'prometheus',
  title: 'Prometheus',
  version: 'v0.316.0',
  goPackage: 'github.com/prometheus/prometheus/cmd/prometheus',
  binVariable: 'PROMETHEUS_BIN',
  command: 'prometheus',
  howToGet: 'docker run --rm --network host prom/prometheus --config.file=… (see deploy/prometheus), or install Go and run npm run backends',
};

/** Prometheus's own checker: the tests validate the alert rules and the configurations with it. */
export const PROMTOOL: BackendSpec = {
  name: 'promtool',
  module: 'prometheus',
  title: 'promtool',
  version: 'v0.316.0',
  goPackage: 'github.com/prometheus/prometheus/cmd/promtool',
  binVariable: 'PROMTOOL_BIN',
  command: 'promtool',
  howToGet: 'install Go and run npm run backends (builds promtool v0.316.0)',
};

export const BACKENDS = [JAEGER, PROMETHEUS, PROMTOOL] as const;

export interface ResolvedBinary {
  path: string;
  /** where it came from, for the start-up line */
  source: 'variable' | 'PATH' | 'built earlier';
}

/** The ignored folder that keeps the binaries the project built (outside git, kept between runs). */
export function backendCacheDir(rootDir: string): string {
  return join(rootDir, '.exchange', 'bin');
}

function cachedBinaryPath(rootDir: string, spec: BackendSpec): string {
  return join(backendCacheDir(rootDir), `${spec.name}-${spec.version}`);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(command: string, env: Record<string, string | undefined>): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * A binary to run, in this order: the one the variable names, one on PATH, one the project built
 * earlier. A variable that names no executable is an error (the user asked for that file).
 */
export function resolveBackend(rootDir: string, spec: BackendSpec, env: Record<string, string | undefined>): ResolvedBinary | undefined {
  const named = env[spec.binVariable];
  if (named) {
    if (!isExecutable(named)) throw new Error(`${spec.binVariable}=${named} is not an executable file`);
    return { path: named, source: 'variable' };
  }
  const found = onPath(spec.command, env);
  if (found) return { path: found, source: 'PATH' };
  const cached = cachedBinaryPath(rootDir, spec);
  if (isExecutable(cached)) return { path: cached, source: 'built earlier' };
  return undefined;
}

/** Go is installed, so a missing binary can be built. */
export function goAvailable(env: Record<string, string | undefined> = process.env): boolean {
  if (!onPath('go', env)) return false;
  return spawnSync('go', ['version'], { env: env as NodeJS.ProcessEnv, stdio: 'ignore' }).status === 0;
}

export interface BuildProgress {
  /** packages compiled so far and how many the command has at most (cached ones are never counted) */
  compiled: number;
  total: number;
  elapsedMs: number;
}

/** How many packages the command is made of (asked without blocking: `npm start` goes on meanwhile). */
async function countDependencies(moduleDir: string, spec: BackendSpec, env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const { stdout } = await run('go', ['list', '-deps', spec.goPackage], { cwd: moduleDir, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout.split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

const locks = new Map<string, Promise<string>>();

/**
 * Builds the pinned version with Go into the cache folder and gives its path. Modules come from
 * the Go module proxy the first time, then from Go's caches, so a second build only links. One
 * build at a time per binary across processes (a lock file beside it): a second caller waits for
 * the first one's result.
 */
export function buildBackend(rootDir: string, spec: BackendSpec, onProgress: (progress: BuildProgress) => void = () => {}): Promise<string> {
  const target = cachedBinaryPath(rootDir, spec);
  const running = locks.get(target);
  if (running) return running;
  const build = buildOnce(rootDir, spec, target, onProgress).finally(() => locks.delete(target));
  locks.set(target, build);
  return build;
}

async function buildOnce(rootDir: string, spec: BackendSpec, target: string, onProgress: (progress: BuildProgress) => void): Promise<string> {
  const moduleDir = join(rootDir, 'tools', 'backends', spec.module);
  if (!existsSync(join(moduleDir, 'go.mod'))) throw new Error(`${moduleDir}/go.mod is missing`);
  mkdirSync(backendCacheDir(rootDir), { recursive: true });
  const lockFile = `${target}.lock`;
  if ((await acquireLock(lockFile, target)) === 'built by another') return target;
  try {
    if (isExecutable(target)) return target;
    const env = { ...process.env, GOFLAGS: '-mod=readonly', GOTOOLCHAIN: 'local' };
    const startedAt = Date.now();
    const total = await countDependencies(moduleDir, spec, env);
    const partial = `${target}.partial-${process.pid}`;
    await new Promise<void>((resolve, reject) => {
      // -v names each package as it is compiled: the progress line counts them
      const child = spawn('go', ['build', '-v', '-ldflags', '-s -w', '-o', partial, spec.goPackage], {
        cwd: moduleDir,
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let compiled = 0;
      const tail: string[] = [];
      createInterface({ input: child.stderr }).on('line', (line) => {
        compiled += 1;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        onProgress({ compiled, total: Math.max(total, compiled), elapsedMs: Date.now() - startedAt });
      });
      // below everything else: the exchange starts (and runs) beside a first build
      if (child.pid) {
        try {
          setPriority(child.pid, 15);
        } catch {
          // not allowed here: the build runs at normal priority
        }
      }
      child.once('error', reject);
      child.once('exit', (code) => {
        if (code === 0) resolve();
        else reject(new Error(`go build of ${spec.title} ${spec.version} failed (exit ${code}):\n${tail.join('\n')}`));
      });
    });
    renameSync(partial, target);
    return target;
  } finally {
    rmSync(lockFile, { force: true });
  }
}

/** A lock file holding its owner's pid; a lock whose owner is gone is taken over. */
async function acquireLock(lockFile: string, target: string): Promise<'owned' | 'built by another'> {
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return 'owned';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(readFileSafely(lockFile));
    if (!Number.isInteger(owner) || owner <= 0 || !isAlive(owner)) {
      rmSync(lockFile, { force: true });
      continue;
    }
    if (isExecutable(target)) return 'built by another';
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function readFileSafely(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** "built 612 of 1,480 packages, 2 min 10 s" */
export function describeProgress(spec: BackendSpec, progress: BuildProgress): string {
  const seconds = Math.round(progress.elapsedMs / 1000);
  const time = seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
  return `building ${spec.title} ${spec.version} with Go (first time only): ${progress.compiled} of about ${progress.total} packages compiled, ${time}`;
}
