/**
 * Runs `work` every `intervalMs`, one run at a time: the next run is planned when the last has
 * finished, so a slow run never overlaps the next (a janitor, a reconciliation). A failed run is
 * handed to `onError` and the next one still comes. Returns the stop.
 */
export function runPeriodically(intervalMs: number, work: () => Promise<unknown>, onError: (error: unknown) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = () => {
    work()
      .catch(onError)
      .finally(() => {
        if (stopped) return;
        timer = setTimeout(run, intervalMs);
        timer.unref();
      });
  };
  timer = setTimeout(run, intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
