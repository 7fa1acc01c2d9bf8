import { addFieldError, reportFormatSchema, type FieldErrors, type ReportFormat } from '@exchange/contracts';
import { AppError } from '@exchange/platform/errors';

const DAY_MS = 86_400_000;
const DEFAULT_PERIOD_DAYS = 30;
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export const FIELD_MESSAGES = {
  date: 'must be an ISO-8601 date or time with a zone, e.g. 2025-01-31 or 2025-01-31T12:00:00Z',
  order: 'must not be after to',
  range: (days: number) => `must be at most ${days} days after from`,
  format: 'must be json or csv',
} as const;

export interface Period {
  from: Date;
  to: Date;
}

type Query = Record<string, unknown>;
type Fields = FieldErrors;

/** `2025-01-31` (midnight UTC) or an ISO time with its zone; undefined when it is neither (or no such day). */
export function parseIsoTime(text: string): Date | undefined {
  const match = ISO_TIME.exec(text);
  if (!match) return undefined;
  const time = new Date(match[4] ? text : `${text}T00:00:00Z`);
  if (Number.isNaN(time.getTime())) return undefined;
  // `new Date` rolls 2025-02-30 over to March: refuse a day that does not exist
  const [, year, month, day] = match;
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (calendar.getUTCFullYear() !== Number(year) || calendar.getUTCMonth() !== Number(month) - 1 || calendar.getUTCDate() !== Number(day)) return undefined;
  return time;
}

function period(query: Query, fields: Fields, options: { now: Date; maxRangeDays: number }): Period {
  const read = (name: 'from' | 'to'): Date | undefined => {
    const value = query[name];
    if (value === undefined || value === '') return undefined;
    const time = typeof value === 'string' ? parseIsoTime(value) : undefined;
    if (!time) addFieldError(fields, name, FIELD_MESSAGES.date);
    return time;
  };
  const given = { from: read('from'), to: read('to') };
  const to = given.to ?? options.now;
  const from = given.from ?? new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
  if (!fields.from && !fields.to) {
    if (from.getTime() > to.getTime()) addFieldError(fields, 'from', FIELD_MESSAGES.order);
    else if (to.getTime() - from.getTime() > options.maxRangeDays * DAY_MS) addFieldError(fields, 'to', FIELD_MESSAGES.range(options.maxRangeDays));
  }
  return { from, to };
}

function refuse(fields: Fields): void {
  if (Object.keys(fields).length > 0) throw new AppError('VALIDATION_FAILED', 'The request query is not valid', { fields });
}

export function parseStatementQuery(query: Query, options: { now: Date; maxRangeDays: number }): Period & { format: ReportFormat } {
  const fields: Fields = {};
  const range = period(query, fields, options);
  const format = query.format === undefined || query.format === '' ? 'json' : query.format;
  const known = reportFormatSchema.options.find((candidate) => candidate === format);
  if (!known) fields.format = [FIELD_MESSAGES.format];
  refuse(fields);
  return { ...range, format: known ?? 'json' };
}

export function parseVolumeQuery(query: Query, options: { now: Date; maxRangeDays: number }): Period & { symbol?: string } {
  const fields: Fields = {};
  const range = period(query, fields, options);
  refuse(fields);
  const symbol = typeof query.symbol === 'string' && query.symbol !== '' ? query.symbol : undefined;
  return { ...range, symbol };
}

/** The UTC days a volume report covers: from the day of `from` up to, not including, `to` (a day `to` only starts is left out). */
export function volumeDays(range: Period): { firstDay: string; endDay: string } {
  const firstDay = range.from.toISOString().slice(0, 10);
  const toDay = range.to.toISOString().slice(0, 10);
  const startsADay = range.to.getTime() === Date.parse(`${toDay}T00:00:00Z`);
  const endDay = startsADay ? toDay : new Date(Date.parse(`${toDay}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
  return { firstDay, endDay };
}
