import { envInt } from '@exchange/platform';
import { DECIMAL_PATTERN } from '@exchange/contracts';
import { z } from 'zod';

export const walletConfig = {
  /** the share symbols accounts can hold besides USD; `*` = the symbol of every market the risk-manager lists */
  WALLET_SHARE_ASSETS: z
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
  /** largest single deposit of cash, in USD */
  WALLET_MAX_DEPOSIT: z.string().regex(DECIMAL_PATTERN).default('1000000.00'),
  /** largest single credit of shares */
  WALLET_MAX_SHARE_CREDIT: z.string().regex(DECIMAL_PATTERN).default('1000000'),
  /** how long a request waits for another one with the same Idempotency-Key before answering 409 */
  IDEMPOTENCY_WAIT_MS: envInt(2000, 1),
};
