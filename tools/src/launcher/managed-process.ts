import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ManagedProcessOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** receives every output line of the process, already formatted */
  onLine: (line: string) => void;
  /** loud notices from the supervisor itself (crash, restart) */
  onNotice: (message: string) => void;
  restart: boolean;
}

const STABLE_AFTER_MS = 30_000;
const MAX_BACKOFF_MS = 10_000;

/**
 * One child process, restarted with a growing delay when it dies on its own; stop() ends it
 * with SIGTERM, then SIGKILL if it has not exited in time.
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private isStopping = false;
  private restarts = 0;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly options: ManagedProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get restartCount(): number {
    return this.restarts;
  }

  start(): void {
    const { options } = this;
    this.startedAt = Date.now();
    // Its own process group: a Ctrl-C in the terminal reaches only the launcher, which then stops
    // each child exactly once (a second signal would make the child skip its graceful shutdown).
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream! }).on('line', (line) => options.onLine(line));
    }
    let resolveExited: () => void = () => {};
    this.exited = new Promise<void>((resolve) => {
      resolveExited = resolve;
      child.once('exit', (code, signal) => {
        resolve();
        if (this.child === child) this.child = undefined;
        if (!this.isStopping) this.onUnexpectedExit(code, signal);
      });
    });
    child.once('error', (error) => {
      options.onNotice(`${options.name} could not be started: ${error.message}`);
      // no 'exit' follows a failed spawn: settle here so stop() never waits for it
      if (this.child === child) this.child = undefined;
      resolveExited();
    });
  }

  private onUnexpectedExit(code: number | null, signal: NodeJS.Signals | null): void {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    if (!this.options.restart) {
      this.options.onNotice(`✖ ${this.options.name} ${how}`);
      return;
    }
    if (Date.now() - this.startedAt > STABLE_AFTER_MS) this.restarts = 0;
    const delayMs = Math.min(500 * 2 ** this.restarts, MAX_BACKOFF_MS);
    this.restarts += 1;
    this.options.onNotice(`✖ ${this.options.name} ${how}; restarting in ${delayMs} ms (restart #${this.restarts})`);
    this.restartTimer = setTimeout(() => {
      if (!this.isStopping) this.start();
    }, delayMs);
  }

  async stop(graceMs: number): Promise<void> {
    this.isStopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
