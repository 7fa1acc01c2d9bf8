import { describe, expect, it } from 'vitest';
import { parseIsoTime, parseStatementQuery, parseVolumeQuery, volumeDays } from './report-query.js';

const options = { now: new Date('2025-06-15T12:00:00Z'), maxRangeDays: 366 };

function fieldsOf(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return (error as { code: string; details: { fields: unknown } }).code === 'VALIDATION_FAILED'
      ? (error as { details: { fields: unknown } }).details.fields
      : error;
  }
  return undefined;
}

describe('report queries', () => {
  it('reads dates and zoned times, refuses the rest', () => {
    expect(parseIsoTime('2025-01-31')?.toISOString()).toBe('2025-01-31T00:00:00.000Z');
    expect(parseIsoTime('2025-01-31T12:00:00+02:00')?.toISOString()).toBe('2025-01-31T10:00:00.000Z');
    for (const bad of ['2025-02-30', '2025-13-01', 'yesterday', '2025-01-31T12:00:00', '1700000000']) expect(parseIsoTime(bad)).toBeUndefined();
  });

  it('defaults to the last 30 days as JSON', () => {
    expect(parseStatementQuery({}, options)).toEqual({ format: 'json', from: new Date('2025-05-16T12:00:00Z'), to: options.now });
  });

  it('names every bad field together', () => {
    expect(fieldsOf(() => parseStatementQuery({ from: 'soon', format: 'xml' }, options))).toEqual({
      from: ['must be an ISO-8601 date or time with a zone, e.g. 2025-01-31 or 2025-01-31T12:00:00Z'],
      format: ['must be json or csv'],
    });
    expect(fieldsOf(() => parseStatementQuery({ from: '2025-02-01', to: '2025-01-01' }, options))).toEqual({ from: ['must not be after to'] });
    expect(fieldsOf(() => parseVolumeQuery({ from: '2023-01-01', to: '2025-01-01' }, options))).toEqual({ to: ['must be at most 366 days after from'] });
  });

  it('covers whole UTC days in the volume report', () => {
    expect(volumeDays({ from: new Date('2025-01-01T15:00:00Z'), to: new Date('2025-01-03T00:00:00Z') })).toEqual({
      firstDay: '2025-01-01',
      endDay: '2025-01-03',
    });
    expect(volumeDays({ from: new Date('2025-01-01T00:00:00Z'), to: new Date('2025-01-03T00:00:01Z') })).toEqual({
      firstDay: '2025-01-01',
      endDay: '2025-01-04',
    });
  });
});
