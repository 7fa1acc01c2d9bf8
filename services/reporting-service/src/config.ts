import { envInt } from '@exchange/platform';
import { z } from 'zod';

export const reportingConfig = {
  /** this instance's name in the `reporting` consumer groups: a restarted instance must keep it */
  REPORTING_CONSUMER_NAME: z.string().min(1).default('reporting-1'),
  /** the longest period a statement or volume report may cover */
  REPORT_MAX_RANGE_DAYS: envInt(366, 1),
};
