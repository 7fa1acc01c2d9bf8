import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';
import type { RunningSystem } from '../launcher/system.js';

/** clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux) */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, or undefined when it is gone or this is not Linux. */
function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command name, which is in parentheses and may contain spaces
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

function pidsNamed(command: string): number[] {
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === command;
        } catch {
          return false;
        }
      })
      .map(Number);
  } catch {
    return [];
  }
}

type Sample = Map<string, Map<number, number>>;

export const BENCH_CLIENT = 'the bench client';
export const TRACE_BACKEND = 'the trace backend (Jaeger)';
/** What is reported beside the system's CPU, not in it: the load generator and the observers. */
export const REPORTED_APART: ReadonlySet<string> = new Set([BENCH_CLIENT, TRACE_BACKEND, 'Prometheus']);

/**
 * Where the CPU goes during a phase: each of the system's processes, this database's PostgreSQL
 * backends, the Redis server (shared with anything else using it) and the bench process itself.
 * Readings come from /proc, so on other systems the table stays empty.
 */
export class ProcessCpu {
  constructor(
    private readonly system: RunningSystem,
    private readonly db: Pick<pg.Client, 'query'>,
  ) {}

  private async groups(): Promise<Map<string, number[]>> {
    const groups = new Map<string, number[]>();
    for (const [name, process] of this.system.processes) if (process.pid) groups.set(name, [process.pid]);
    const { rows } = await this.db.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    groups.set(
      "PostgreSQL: this database's backends",
      rows.map((row) => Number(row.pid)),
    );
    const { rows: background } = await this.db.query('SELECT pid FROM pg_stat_activity WHERE datname IS NULL');
    groups.set(
      'PostgreSQL: WAL writer, checkpointer… (shared)',
      background.map((row) => Number(row.pid)),
    );
    groups.set('Redis server', pidsNamed('redis-server'));
    groups.set(BENCH_CLIENT, [process.pid]);
    for (const backend of this.system.observability?.processes ?? []) {
      if (backend.pid) groups.set(backend.options.name === 'jaeger' ? TRACE_BACKEND : 'Prometheus', [backend.pid]);
    }
    return groups;
  }

  async sample(): Promise<Sample> {
    const sample: Sample = new Map();
    for (const [name, pids] of await this.groups()) {
      const byPid = new Map<number, number>();
      for (const pid of pids) {
        const seconds = cpuSecondsOf(pid);
        if (seconds !== undefined) byPid.set(pid, seconds);
      }
      sample.set(name, byPid);
    }
    return sample;
  }

  /** CPU seconds per group between two samples, largest first (a process that appeared in between counts from 0). */
  static used(before: Sample, after: Sample): Array<[string, number]> {
    const used: Array<[string, number]> = [];
    for (const [name, byPid] of after) {
      let seconds = 0;
      for (const [pid, total] of byPid) seconds += total - (before.get(name)?.get(pid) ?? 0);
      used.push([name, seconds]);
    }
    return used.filter(([, seconds]) => seconds > 0).sort((a, b) => b[1] - a[1]);
  }
}
