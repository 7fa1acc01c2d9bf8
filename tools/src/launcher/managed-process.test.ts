import { describe, expect, it } from 'vitest';
import { ManagedProcess } from './managed-process.js';
import { createLineFormatter } from './log-format.js';

function managed(script: string, restart: boolean) {
  const lines: string[] = [];
  const notices: string[] = [];
  const process_ = new ManagedProcess({
    name: 'demo',
    command: process.execPath,
    args: ['-e', script],
    cwd: process.cwd(),
    env: process.env,
    restart,
    onLine: (line) => lines.push(line),
    onNotice: (message) => notices.push(message),
  });
  return { process: process_, lines, notices };
}

const until = async (condition: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('ManagedProcess', () => {
  it('reports a crash loudly and restarts the process', async () => {
    const { process: child, lines, notices } = managed("console.log('up'); setTimeout(() => process.exit(3), 50)", true);
    child.start();
    await until(() => lines.filter((l) => l === 'up').length >= 2);
    await child.stop(1000);
    expect(notices[0]).toBe('✖ demo exited with code 3; restarting in 500 ms (restart #1)');
    expect(child.restartCount).toBeGreaterThanOrEqual(1);
  });

  it('stops with SIGTERM, and with SIGKILL when the process ignores it', async () => {
    const { process: stubborn } = managed("process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)", true);
    stubborn.start();
    await new Promise((r) => setTimeout(r, 300));
    const pid = stubborn.pid!;
    const started = Date.now();
    await stubborn.stop(300);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe('log lines', () => {
  it('turns JSON logs into one readable prefixed line, and passes other lines through', () => {
    const format = createLineFormatter('user-service', 0, { colorize: false, width: 14 });
    const line = format(JSON.stringify({ level: 'info', time: '2026-11-26T12:00:00.000Z', service: 'user-service', pid: 1, msg: 'listening', port: 8975 }));
    expect(line).toMatch(/^user-service {3}\| \[\d\d:\d\d:\d\d\.000\] INFO: listening \{"port":8975\}$/);
    expect(format('plain text')).toBe('user-service   | plain text');
  });
});
