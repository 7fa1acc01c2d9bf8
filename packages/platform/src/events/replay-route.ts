import { type outboxReplayRequestSchema, producerOf, type ServiceName } from '@exchange/contracts';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { ReplayAnswer, ReplayRequest } from './sequence.js';
import type { OutboxRelay } from './outbox.js';

/**
 * The handler of a producer's replay route (`replayOutbox` in its API): a consumer that found a gap
 * in one of this service's streams asks for its events again from a number on, and the relay
 * publishes them again from the outbox. A stream this service does not produce is 404.
 */
export function outboxReplayHandler(
  relay: Pick<OutboxRelay, 'replay'>,
  service: ServiceName,
): (input: { body: z.infer<typeof outboxReplayRequestSchema> }) => Promise<ReplayAnswer> {
  return async ({ body }) => {
    if (producerOf(body.stream) !== service) throw new AppError('NOT_FOUND', `The ${service} does not produce ${body.stream}`);
    return relay.replay(body.stream, body.fromSeq);
  };
}

/** A consumer's way to ask a producer for events again, through the producer's replay route. */
export function replayThrough(client: { replayOutbox(request: { body: { stream: string; fromSeq: number } }): Promise<ReplayAnswer> }): ReplayRequest {
  return (stream, fromSeq) => client.replayOutbox({ body: { stream, fromSeq } });
}
