import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from './checks.js';
import { type BackendSpec, buildBackend, describeProgress, goAvailable, JAEGER, PROMETHEUS, type ResolvedBinary, resolveBackend } from './backends.js';
import { ManagedProcess } from './managed-process.js';

/** Where Jaeger and Prometheus listen. */
export interface ObservabilityPorts {
  /** Jaeger's query API and UI */
  jaegerQuery: number;
  jaegerQueryGrpc: number;
  otlpGrpc: number;
  otlpHttp: number;
  jaegerHealth: number;
  /** Jaeger's own metrics, which Prometheus scrapes too */
  jaegerMetrics: number;
  prometheus: number;
}

export const STANDARD_OBSERVABILITY_PORTS: ObservabilityPorts = {
  jaegerQuery: 16686,
  jaegerQueryGrpc: 16685,
  otlpGrpc: 4317,
  otlpHttp: 4318,
  jaegerHealth: 13133,
  jaegerMetrics: 8888,
  prometheus: 9090,
};

/** With `EXCHANGE_PORT_BASE`, base+20 … base+26 (the block a private system owns); otherwise the standard ports. */
export function resolveObservabilityPorts(env: Record<string, string | undefined>): ObservabilityPorts {
  if (!env.EXCHANGE_PORT_BASE) return STANDARD_OBSERVABILITY_PORTS;
  const base = Number(env.EXCHANGE_PORT_BASE) + 20;
  return {
    jaegerQuery: base,
    jaegerQueryGrpc: base + 1,
    otlpGrpc: base + 2,
    otlpHttp: base + 3,
    jaegerHealth: base + 4,
    jaegerMetrics: base + 5,
    prometheus: base + 6,
  };
}

export interface ObservabilityOptions {
  /**
   * `required`: the start fails when a binary can be neither found nor built (the tests that read
   * traces from Jaeger); `optional`: a missing binary is built in the background while the exchange
   * starts, or a line says how to get it (`npm start`).
   */
  mode: 'required' | 'optional';
  jaeger: boolean;
  prometheus: boolean;
  ports: ObservabilityPorts;
  /** where the written configurations (and Prometheus's database) go */
  workDir: string;
  /** Jaeger keeps at most this many traces in memory, dropping the oldest */
  maxTraces: number;
  /** the variables that name binaries (JAEGER_BIN, PROMETHEUS_BIN) and PATH */
  env: Record<string, string | undefined>;
}

/** Prometheus's view of one process to scrape. */
export interface ScrapeTarget {
  job: string;
  /** host:port */
  address: string;
  path: string;
}

export interface RunningObservability {
  /** Jaeger's query API (and UI, when the binary has one); set once Jaeger runs */
  jaegerUrl?: string;
  /** whether the running Jaeger serves its real UI (a binary built from the Go module does not) */
  jaegerHasUi?: boolean;
  prometheusUrl?: string;
  processes: ManagedProcess[];
  /** settles when every background build has started its program or given up */
  settled: Promise<void>;
  stop(graceMs: number): Promise<void>;
}

export interface ObservabilityHooks {
  output: (line: string) => void;
  format: (name: string) => (line: string) => string;
  restart: boolean;
}

/** Jaeger v2's configuration: OTLP in, traces kept in memory up to a bound, the query API out. */
export function jaegerConfig(ports: ObservabilityPorts, maxTraces: number): string {
  return `# Written by the exchange's launcher at every start.
service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: basic
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: ${ports.jaegerMetrics}
    logs:
      level: warn
    traces:
      level: none
extensions:
  jaeger_query:
    # the query service would trace its own requests into the standard OTLP port: not wanted here
    enable_tracing: false
    storage:
      traces: memory_store
    http:
      endpoint: 127.0.0.1:${ports.jaegerQuery}
    grpc:
      endpoint: 127.0.0.1:${ports.jaegerQueryGrpc}
  jaeger_storage:
    backends:
      memory_store:
        memory:
          max_traces: ${maxTraces}
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${ports.jaegerHealth}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${ports.otlpGrpc}
      http:
        endpoint: 127.0.0.1:${ports.otlpHttp}
processors:
  batch:
exporters:
  jaeger_storage_exporter:
    trace_storage: memory_store
`;
}

/** Prometheus's configuration: every process of the exchange (and Jaeger, and itself), the exchange's alert rules. */
export function prometheusConfig(targets: readonly ScrapeTarget[], rulesFile: string): string {
  const jobs = targets
    .map(
      (target) => `  - job_name: ${JSON.stringify(target.job)}
    metrics_path: ${JSON.stringify(target.path)}
    static_configs:
      - targets: [${JSON.stringify(target.address)}]`,
    )
    .join('\n');
  return `# Written by the exchange's launcher at every start.
global:
  scrape_interval: 5s
  evaluation_interval: 5s
rule_files:
  - ${JSON.stringify(rulesFile)}
scrape_configs:
${jobs}
`;
}

async function answers(url: string, isGood: (status: number, body: string) => boolean = (status) => status === 200): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return isGood(response.status, await response.text());
  } catch {
    return false;
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new StartupError(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s (see its log above)`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/**
 * Starts Jaeger and Prometheus beside the exchange. In `required` mode both are running when this
 * resolves; in `optional` mode what must be built first starts later, and `settled` says when.
 */
export async function startObservability(
  rootDir: string,
  options: ObservabilityOptions,
  scrapeTargets: () => readonly ScrapeTarget[],
  hooks: ObservabilityHooks,
): Promise<RunningObservability> {
  mkdirSync(options.workDir, { recursive: true });
  const processes: ManagedProcess[] = [];
  let stopped = false;
  const running: RunningObservability = {
    processes,
    settled: Promise.resolve(),
    async stop(graceMs) {
      stopped = true;
      await Promise.all(processes.map((process) => process.stop(graceMs)));
    },
  };

  const launch = async (spec: BackendSpec, binary: string) => {
    if (stopped) return;
    if (spec === JAEGER) {
      const configFile = join(options.workDir, 'jaeger.yaml');
      writeFileSync(configFile, jaegerConfig(options.ports, options.maxTraces));
      const process = managed(spec, binary, ['--config', configFile], options, hooks);
      processes.push(process);
      process.start();
      const url = `http://127.0.0.1:${options.ports.jaegerQuery}`;
      await waitFor('Jaeger', () => answers(`${url}/api/services`), 30_000);
      running.jaegerUrl = url;
      // the real UI names itself; a binary built without its assets serves a placeholder page
      running.jaegerHasUi = await answers(url, (status, body) => status === 200 && /<title>\s*Jaeger UI\s*<\/title>/i.test(body));
    } else {
      const rulesFile = join(rootDir, 'deploy', 'prometheus', 'alerts.yml');
      const configFile = join(options.workDir, 'prometheus.yml');
      writeFileSync(configFile, prometheusConfig(scrapeTargets(), rulesFile));
      const dataDir = join(options.workDir, 'prometheus-data');
      const args = [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${dataDir}`,
        '--storage.tsdb.retention.time=2d',
        `--web.listen-address=127.0.0.1:${options.ports.prometheus}`,
        '--log.level=warn',
      ];
      const process = managed(spec, binary, args, options, hooks);
      processes.push(process);
      process.start();
      const url = `http://127.0.0.1:${options.ports.prometheus}`;
      await waitFor('Prometheus', () => answers(`${url}/-/ready`), 60_000);
      running.prometheusUrl = url;
    }
  };

  const wanted = [options.jaeger ? JAEGER : undefined, options.prometheus ? PROMETHEUS : undefined].filter((spec): spec is BackendSpec => spec !== undefined);
  const later: Promise<void>[] = [];
  try {
    await startEach();
  } catch (error) {
    await running.stop(4500);
    throw error;
  }
  running.settled = Promise.all(later).then(() => {});
  return running;

  async function startEach(): Promise<void> {
    for (const spec of wanted) {
      let resolved: ResolvedBinary | undefined;
      try {
        resolved = resolveBackend(rootDir, spec, options.env);
      } catch (error) {
        if (options.mode === 'required') throw new StartupError((error as Error).message);
        hooks.output(`${spec.title}: ${(error as Error).message}; carrying on without it`);
        continue;
      }
      if (resolved) {
        await launch(spec, resolved.path);
        continue;
      }
      if (!goAvailable(options.env)) {
        const line = `${spec.title} ${spec.version} is not installed (no ${spec.binVariable}, none on PATH, Go not found to build it). To get it: ${spec.howToGet}`;
        if (options.mode === 'required') throw new StartupError(line);
        hooks.output(`${line}. The exchange runs without it.`);
        continue;
      }
      if (options.mode === 'required') {
        hooks.output(`building ${spec.title} ${spec.version} with Go (first time only)…`);
        await launch(spec, await buildBackend(rootDir, spec));
        continue;
      }
      hooks.output(`${spec.title} ${spec.version}: building it with Go in the background (first time only, several minutes); it starts once built`);
      let lastPrinted = 0;
      later.push(
        buildBackend(rootDir, spec, (progress) => {
          if (progress.elapsedMs - lastPrinted < 30_000) return;
          lastPrinted = progress.elapsedMs;
          hooks.output(describeProgress(spec, progress));
        })
          .then(async (binary) => {
            if (stopped) return;
            await launch(spec, binary);
            const url = spec === JAEGER ? running.jaegerUrl : running.prometheusUrl;
            hooks.output(`${spec.title} ${spec.version} is built and running: ${url}`);
          })
          .catch((error: Error) => hooks.output(`${spec.title} could not be built or started: ${error.message}. To get it another way: ${spec.howToGet}`)),
      );
    }
  }
}

function managed(spec: BackendSpec, binary: string, args: string[], options: ObservabilityOptions, hooks: ObservabilityHooks): ManagedProcess {
  const format = hooks.format(spec.name);
  return new ManagedProcess({
    name: spec.name,
    command: binary,
    args,
    cwd: options.workDir,
    env: { PATH: options.env.PATH ?? '', HOME: options.env.HOME ?? '' },
    restart: hooks.restart,
    onLine: (line) => hooks.output(format(line)),
    onNotice: (message) => hooks.output(`\n${'!'.repeat(8)} ${message}\n`),
  });
}
