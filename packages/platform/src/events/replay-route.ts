import { type outboxReplayRequestSchema, producerOf, type ServiceName } from '@exchange/contracts';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { ReplayAnswer, ReplayRequest } from './sequence.js';
import type { OutboxEvent, OutboxRelay } from './outbox.js';

/**
 * The handler of a producer's replay route (`replayOutbox` in its API): a consumer that found a gap
 * in one of this service's streams asks for its events again from a number on, and the relay
 * publishes them again from the outbox. A stream this service does not produce is 404.
 */
export function outboxReplayHandler(
  relay: Pick<OutboxRelay, 'replay' | 'restore'>,
  service: ServiceName,
  journal?: ProducerJournal,
): (input: { body: z.infer<typeof outboxReplayRequestSchema> }) => Promise<ReplayAnswer> {
  return async ({ body }) => {
    if (producerOf(body.stream) !== service) throw new AppError('NOT_FOUND', `The ${service} does not produce ${body.stream}`);
    const answer = await relay.replay(body.stream, body.fromSeq);
    const keptFrom = answer.firstKeptSeq ?? answer.lastSeq + 1;
    if (!journal || keptFrom <= body.fromSeq || answer.lastSeq < body.fromSeq) return answer;
    // the outbox no longer keeps the first of them: the producer's journal may, and what it
    // restores (or another request restored first) is kept from then on
    const restored = await relay.restore(body.stream, await journal(body.stream, body.fromSeq, keptFrom - 1));
    const again = await relay.replay(body.stream, body.fromSeq);
    return { ...again, replayed: answer.replayed + again.replayed + restored };
  };
}

/**
 * A producer's own record of a stream's events beyond its outbox (the matching engine's executions,
 * kept for ever): the events numbered `fromSeq` to `toSeq`, with their numbers, or none if it
 * cannot give every one of them under the numbers they were published with.
 */
export type ProducerJournal = (stream: string, fromSeq: number, toSeq: number) => Promise<Array<OutboxEvent & { seq: number }>>;

/** A consumer's way to ask a producer for events again, through the producer's replay route. */
export function replayThrough(client: { replayOutbox(request: { body: { stream: string; fromSeq: number } }): Promise<ReplayAnswer> }): ReplayRequest {
  return (stream, fromSeq) => client.replayOutbox({ body: { stream, fromSeq } });
}
