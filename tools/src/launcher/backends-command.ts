import { BACKENDS, buildBackend, describeProgress, goAvailable, resolveBackend } from './backends.js';
import { StartupError } from './checks.js';

/**
 * `npm run backends`: makes sure Jaeger, Prometheus and promtool can be run — found (a variable, PATH, a
 * binary built earlier) or built now with Go. `npm test` runs it before the tiers that read traces
 * from Jaeger, so a machine with Go needs no step by hand.
 */
export async function backendsCommand(rootDir: string, print: (line: string) => void, env: Record<string, string | undefined> = process.env): Promise<void> {
  for (const spec of BACKENDS) {
    const found = resolveBackend(rootDir, spec, env);
    if (found) {
      print(`${spec.title}: ${found.path} (${found.source})`);
      continue;
    }
    if (!goAvailable(env))
      throw new StartupError(`${spec.title} ${spec.version} is not installed and Go is not there to build it. To get it: ${spec.howToGet}`);
    const startedAt = Date.now();
    print(`${spec.title} ${spec.version}: building it with Go (the first time downloads its modules and compiles for several minutes; later builds only link)`);
    let lastPrinted = 0;
    const path = await buildBackend(rootDir, spec, (progress) => {
      if (progress.elapsedMs - lastPrinted < 15_000) return;
      lastPrinted = progress.elapsedMs;
      print(`  ${describeProgress(spec, progress)}`);
    });
    print(`${spec.title}: built ${path} in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
  }
}
