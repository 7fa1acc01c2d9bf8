import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** The parts of a V8 `.cpuprofile` this summary reads. */
const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

/** Where a frame's code comes from. */
export function categoryOf(url: string, functionName: string): string {
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(idle)' || functionName === '(program)') return functionName.slice(1, -1);
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) {
    const name = packageMatch[1]!;
    if (name.startsWith('@opentelemetry/')) return 'OpenTelemetry';
    return name;
  }
  if (url.includes('/packages/platform/')) return 'our platform';
  if (url.includes('/packages/contracts/')) return 'our contracts';
  if (url.includes('/packages/')) return 'our packages';
  if (url.includes('/services/')) return 'our service';
  if (url.startsWith('node:') || url === '') return 'node internals';
  return 'other';
}

export interface ProfileSummary {
  process: string;
  totalMs: number;
  busyMs: number;
  categories: Array<{ name: string; ms: number; share: number }>;
  /** node's own frames (socket writes, microtasks) counted for the nearest caller that is not node's */
  attributed: Array<{ name: string; ms: number; share: number }>;
  functions: Array<{ name: string; ms: number; share: number }>;
}

/** Self time per category and per function of one profile; shares are of the busy (non-idle) time. */
export function summarizeProfile(process: string, text: string, top = 12): ProfileSummary {
  const profile = profileSchema.parse(JSON.parse(text));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  for (const [index, id] of profile.samples.entries()) selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const categories = new Map<string, number>();
  const attributed = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalMs = 0;
  for (const [id, ms] of selfMs) {
    const frame = nodes.get(id)!.callFrame;
    totalMs += ms;
    const category = categoryOf(frame.url, frame.functionName);
    categories.set(category, (categories.get(category) ?? 0) + ms);
    let owner = category;
    for (let at = parents.get(id); owner === 'node internals' && at !== undefined; at = parents.get(at)) {
      const up = nodes.get(at)!.callFrame;
      owner = up.functionName === '(root)' ? 'node internals' : categoryOf(up.url, up.functionName);
    }
    attributed.set(owner, (attributed.get(owner) ?? 0) + ms);
    if (category === 'idle' || category === 'program') continue;
    const where = frame.url ? `${frame.url.replace(/^.*\/(node_modules|packages|services)\//, '$1/')}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + ms);
  }
  const busyMs = totalMs - (categories.get('idle') ?? 0) - (categories.get('program') ?? 0);
  const ranked = (map: Map<string, number>, skip: Set<string>) =>
    [...map]
      .filter(([name]) => !skip.has(name))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: busyMs > 0 ? ms / busyMs : 0 }));
  const skip = new Set(['idle', 'program']);
  return { process, totalMs, busyMs, categories: ranked(categories, skip), attributed: ranked(attributed, skip), functions: ranked(functions, new Set()) };
}

/** `exchange profile <dir>`: a summary of every `.cpuprofile` in a directory (see EXCHANGE_CPU_PROFILE_DIR). */
export function printProfiles(dir: string, print: (line: string) => void): void {
  const files = readdirSync(dir).filter((file) => file.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile files in ${dir}`);
  for (const file of files.sort()) {
    const summary = summarizeProfile(file.replace(/\.cpuprofile$/, ''), readFileSync(join(dir, file), 'utf8'));
    print(`\n### ${summary.process}: ${(summary.busyMs / 1000).toFixed(1)} s busy of ${(summary.totalMs / 1000).toFixed(1)} s`);
    print('| where (node’s own frames counted for their caller) | self ms | share of busy |');
    print('|---|---|---|');
    for (const category of summary.attributed) print(`| ${category.name} | ${category.ms.toFixed(0)} | ${(category.share * 100).toFixed(1)}% |`);
    print('');
    print('| function | self ms | share of busy |');
    print('|---|---|---|');
    for (const fn of summary.functions) print(`| \`${fn.name}\` | ${fn.ms.toFixed(0)} | ${(fn.share * 100).toFixed(1)}% |`);
  }
}
