import { envInt } from '@exchange/platform';
import { z } from 'zod';

export const engineConfig = {
  /**
   * the symbols this instance owns (several instances split the symbols between them); `*` = every
   * market the risk-manager lists, including markets listed while running
   */
  ENGINE_SYMBOLS: z
    .string()
    .default('*')
    .transform((text) =>
      text.trim() === '*'
        ? '*'
        : text
            .split(',')
            .map((symbol) => symbol.trim().toUpperCase())
            .filter(Boolean),
    ),
  /** this instance's name in the consumer group: a restarted instance must keep it to re-read its pending commands */
  ENGINE_CONSUMER_NAME: z.string().min(1).default('engine-1'),
  /** commands taken from the streams and committed together */
  ENGINE_BATCH_SIZE: envInt(500, 1),
  /** a book is snapshotted after this many commands */
  ENGINE_SNAPSHOT_EVERY: envInt(10_000, 1),
  /** snapshots kept per symbol; older ones are deleted when a new one is taken */
  ENGINE_SNAPSHOTS_KEPT: envInt(2, 1),
  /**
   * journal rows older than the oldest kept snapshot are deleted once they are this old. The journal
   * also recognises a command delivered again, so this is never less than OUTBOX_RETENTION_MS (how long
   * a publisher may publish a command again after Redis lost it).
   */
  ENGINE_JOURNAL_RETENTION_MS: envInt(86_400_000, 0),
};
