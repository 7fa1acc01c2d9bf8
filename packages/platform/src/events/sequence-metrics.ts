import { Counter, type Registry } from 'prom-client';

/**
 * What the streams' sequence checks found and repaired, for every process: a producer's events
 * published again on request, a consumer's gaps, its requests for them, and events that could not
 * be had again (the producer's outbox no longer kept them), which an operator must look at.
 */
export const replayedEvents = new Counter({
  name: 'exchange_outbox_replayed_events_total',
  help: 'Events this producer published again because a consumer found them missing',
  labelNames: ['stream'] as const,
  registers: [],
});

export const streamGaps = new Counter({
  name: 'exchange_stream_gaps_total',
  help: 'Gaps a consumer group found in a stream: an event numbered past the next one it expected, or its group gone',
  labelNames: ['stream', 'group'] as const,
  registers: [],
});

export const replayRequests = new Counter({
  name: 'exchange_stream_replay_requests_total',
  help: 'Requests a consumer group sent to a stream’s producer to publish events again',
  labelNames: ['stream', 'group'] as const,
  registers: [],
});

export const lostEvents = new Counter({
  name: 'exchange_stream_lost_events_total',
  help: 'Events a consumer group never got and the producer could no longer send (older than its outbox keeps): a divergence to repair by hand',
  labelNames: ['stream', 'group'] as const,
  registers: [],
});

export const tailRepairs = new Counter({
  name: 'exchange_stream_tail_repairs_total',
  help: 'Times a quiet stream’s producer had numbered past what a consumer group applied (its last events lost with nothing after them to show a gap), and they were asked for again',
  labelNames: ['stream', 'group'] as const,
  registers: [],
});

export function registerSequenceMetrics(registry: Registry): void {
  for (const metric of [replayedEvents, streamGaps, replayRequests, lostEvents, tailRepairs]) registry.registerMetric(metric);
}
