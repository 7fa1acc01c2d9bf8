import { readFileSync } from 'node:fs';

/** A process's memory as Linux counts it, in kB: resident now, its peak, and its proportional share. */
export interface ProcessMemory {
  /** resident set size now (VmRSS) */
  rssKb: number;
  /** the highest resident set size so far (VmHWM) */
  peakKb: number;
  /** proportional set size: shared pages (the node binary, libraries) divided among the processes sharing them */
  pssKb: number | undefined;
}

function field(text: string, name: string): number | undefined {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Reads /proc/<pid>/status and smaps_rollup; undefined when the process is gone or this is not Linux. */
export function processMemory(pid: number): ProcessMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    let pssKb: number | undefined;
    try {
      pssKb = field(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss');
    } catch {
      pssKb = undefined;
    }
    const rssKb = field(status, 'VmRSS');
    if (rssKb === undefined) return undefined;
    return { rssKb, peakKb: field(status, 'VmHWM') ?? rssKb, pssKb };
  } catch {
    return undefined;
  }
}

export const mb = (kb: number | undefined): string => (kb === undefined ? '–' : (kb / 1024).toFixed(0));
