import { envInt } from '@exchange/platform';
import { z } from 'zod';

export const engineConfig = {
  /** the symbols this instance owns (several instances split the symbols between them) */
  ENGINE_SYMBOLS: z
    .string()
    .default('AAPL,MSFT,GOOGL,AMZN,TSLA')
    .transform((text) => text.split(',').map((symbol) => symbol.trim().toUpperCase()).filter(Boolean)),
  /** this instance's name in the consumer group: a restarted instance must keep it to re-read its pending commands */
  ENGINE_CONSUMER_NAME: z.string().min(1).default('engine-1'),
  /** commands taken from the streams and committed together */
  ENGINE_BATCH_SIZE: envInt(500, 1),
  /** a book is snapshotted after this many commands */
  ENGINE_SNAPSHOT_EVERY: envInt(10_000, 1),
};
