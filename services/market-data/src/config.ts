import { envInt } from '@exchange/platform';
import { z } from 'zod';

export const marketDataConfig = {
  /** this instance's name in the `market-data` consumer groups of executions:{SYMBOL}: a restarted instance must keep it */
  MARKET_DATA_CONSUMER_NAME: z.string().min(1).default('market-data-1'),
  /** how long a ticker's 24 h figures are served from Redis before the tape is read again (new trades refresh it at once) */
  MARKET_DATA_TICKER_CACHE_MS: envInt(1000, 1),
};
