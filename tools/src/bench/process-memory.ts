import { readFileSync } from 'node:fs';

/** A process's memory as Linux counts it, in kB: resident now, its peak, and its proportional share. */
export interface ProcessMemory {
  /** resident set size now (VmRSS) */
  rssKb: number;
  /** the highest resident set size so far (VmHWM) */
  peakKb: number;
  /** proportional set size: shared pages (the node binary, libraries) divided among the processes sharing them */
  pssKb: number | undefined;
  /** resident pages of files: the node binary and its libraries, the same pages in every Node process (RssFile) */
  fileKb: number | undefined;
  /** resident anonymous pages: the V8 heaps, compiled code, buffers and malloc (RssAnon) */
  anonKb: number | undefined;
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
    return { rssKb, peakKb: field(status, 'VmHWM') ?? rssKb, pssKb, fileKb: field(status, 'RssFile'), anonKb: field(status, 'RssAnon') };
  } catch {
    return undefined;
  }
}

export const mb = (kb: number | undefined): string => (kb === undefined ? '–' : (kb / 1024).toFixed(0));
