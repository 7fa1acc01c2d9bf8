import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { errorBodySchema, errorDetailsSchema } from './errors.js';
import { STREAMS } from './events.js';
import { INTERNAL_APIS } from './internal/apis.js';
import {
  engineBookStateSchema,
  marketDataMessageSchema,
  STREAM_CHANNELS,
  streamClientMessageSchema,
  streamControlFrameSchema,
  userMessageSchema,
} from './live.js';
import { PUBLIC_API } from './public/api.js';
import type { RouteContract } from './route.js';

/**
 * Every message that crosses a process boundary has a schema here; this test walks all of them and
 * fails on a placeholder — `z.any()`, `z.unknown()`, `z.custom()` — anywhere inside, except where
 * the shape is open on purpose, listed below with the reason.
 */
const OPEN_ON_PURPOSE = new Map<z.ZodType, string>([
  // an error's details differ per code (fields for VALIDATION_FAILED, the rule for RISK_REJECTED, …);
  // clients read them by code, and the body around them is fixed
  [errorDetailsSchema, 'error details, by code'],
]);
const PLACEHOLDERS = new Set(['any', 'unknown', 'custom']);

interface ZodInternals {
  _zod: { def: Record<string, unknown> & { type: string } };
}
const isSchema = (value: unknown): value is ZodInternals & z.ZodType =>
  typeof value === 'object' && value !== null && '_zod' in value && typeof (value as ZodInternals)._zod?.def?.type === 'string';

/** The placeholders inside a schema, by path. */
function placeholders(schema: z.ZodType, path: string, found: string[] = [], seen = new Set<unknown>()): string[] {
  if (seen.has(schema)) return found;
  seen.add(schema);
  if (OPEN_ON_PURPOSE.has(schema)) return found;
  const { def } = (schema as unknown as ZodInternals)._zod;
  if (PLACEHOLDERS.has(def.type)) {
    found.push(`${path}: z.${def.type}()`);
    return found;
  }
  const visit = (value: unknown, where: string) => {
    if (isSchema(value)) placeholders(value, where, found, seen);
    else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) visit(item, `${where}[${index}]`);
    }
  };
  for (const [key, value] of Object.entries(def)) {
    // refinements (superRefine, .check) are checks on a known shape, not a shape
    if (key === 'checks') continue;
    if (key === 'shape' && typeof value === 'object' && value !== null) {
      for (const [field, child] of Object.entries(value)) visit(child, `${path}.${field}`);
    } else visit(value, `${path}<${key}>`);
  }
  return found;
}

function routeSchemas(name: string, contract: RouteContract): Array<[string, z.ZodType]> {
  const parts: Array<[string, z.ZodType | undefined]> = [
    [`${name} params`, contract.params],
    [`${name} query`, contract.query],
    [`${name} headers`, contract.headers],
    [`${name} body`, contract.body],
    ...Object.entries(contract.responses).map(([status, schema]): [string, z.ZodType] => [`${name} ${status}`, schema]),
  ];
  return parts.filter((part): part is [string, z.ZodType] => part[1] !== undefined);
}

const everySchema = (): Array<[string, z.ZodType]> => [
  ...Object.entries(PUBLIC_API).flatMap(([name, contract]) => routeSchemas(`public ${name}`, contract)),
  ...Object.entries(INTERNAL_APIS).flatMap(([service, api]) =>
    Object.entries(api).flatMap(([name, contract]) => routeSchemas(`${service} ${name}`, contract as RouteContract)),
  ),
  ...Object.values(STREAMS).flatMap((stream) => Object.values(stream.events).map((event): [string, z.ZodType] => [`event ${event.type}`, event.schema])),
  ...Object.entries(STREAM_CHANNELS).flatMap(([kind, frames]) =>
    Object.entries(frames).map(([frame, schema]): [string, z.ZodType] => [`${kind} ${frame}`, schema]),
  ),
  ['stream control frames', streamControlFrameSchema],
  ['stream client messages', streamClientMessageSchema],
  ['md:{SYMBOL} messages', marketDataMessageSchema],
  ['user:{ID} messages', userMessageSchema],
  ['engine book state', engineBookStateSchema],
  ['error body', errorBodySchema],
];

describe('the contracts of every message between processes', () => {
  it('have no placeholder where a shape is known', () => {
    const found = everySchema().flatMap(([name, schema]) => placeholders(schema, name));
    expect(found).toEqual([]);
  });

  it('catch a placeholder hidden deep inside a schema (the check itself can fail)', async () => {
    const { z } = await import('zod');
    const nested = z.object({ a: z.array(z.union([z.string(), z.object({ b: z.record(z.string(), z.unknown()) })])).optional() });
    expect(placeholders(nested, 'probe')).toEqual(['probe.a<innerType><element><options>[1].b<valueType>: z.unknown()']);
    expect(placeholders(z.object({ c: z.custom<string>() }), 'probe')).toEqual(['probe.c: z.custom()']);
  });

  it('cover every internal route with an access rule and every public route with documentation', () => {
    for (const [service, api] of Object.entries(INTERNAL_APIS)) {
      for (const [name, contract] of Object.entries(api)) expect((contract as RouteContract).access, `${service} ${name}`).toBeDefined();
    }
    for (const [name, contract] of Object.entries(PUBLIC_API)) expect((contract as RouteContract).docs?.summary, name).toBeTruthy();
  });
});
