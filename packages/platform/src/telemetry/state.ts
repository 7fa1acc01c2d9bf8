/**
 * The running SDK's shutdown hook, kept in a module that loads nothing else, so the service runner can
 * flush spans at exit without importing (and so instrumenting) the SDK itself.
 */
let shutdownTelemetry: (() => Promise<void>) | undefined;

export function setTelemetryShutdown(shutdown: () => Promise<void>): void {
  shutdownTelemetry = shutdown;
}

/**
 * Exports what is buffered and stops the SDK, waiting at most `timeoutMs`: with no collector
 * listening, the exporter would otherwise retry and hold up the process's exit.
 */
export async function flushTelemetry(timeoutMs = 1000): Promise<void> {
  if (!shutdownTelemetry) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    shutdownTelemetry(),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}
