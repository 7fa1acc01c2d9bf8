import { prettyFactory } from 'pino-pretty';

const COLORS = [36, 32, 33, 35, 34, 96, 92, 93, 95, 94];

export type LineFormatter = (line: string) => string;

/**
 * Turns a process's JSON log lines into readable, prefixed single lines:
 * `user-service   | 12:00:01.123 INFO request completed {...}`. Lines that are not JSON pass through.
 */
export function createLineFormatter(name: string, index: number, options: { colorize: boolean; width: number }): LineFormatter {
  const pretty = prettyFactory({
    colorize: options.colorize,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
  });
  const label = name.padEnd(options.width);
  const prefix = options.colorize ? `\u001b[${COLORS[index % COLORS.length]}m${label}\u001b[0m | ` : `${label} | `;
  return (line) => {
    if (line.startsWith('{')) {
      try {
        return prefix + pretty(line).trimEnd();
      } catch {
        // fall through to the raw line
      }
    }
    return prefix + line;
  };
}
