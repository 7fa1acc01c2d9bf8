import { readFileSync, writeFileSync } from 'node:fs';
import { type AccessTable, INTERNAL_ACCESS, OPEN_ROUTE, type RouteAccess } from '@exchange/contracts';
import { REDIS_ACCESS, SERVICE_NAMES } from '@exchange/platform';

/**
 * The tables of docs/SECURITY.md that describe who may do what, generated from the very tables the
 * platform enforces (the internal access table, the Redis permissions), so the document cannot
 * drift: a unit test compares them, and `npm run docs:security` writes them.
 */

const ACTOR: Record<RouteAccess['actor'], string> = {
  none: 'no end user',
  any: 'with or without a user',
  user: 'a signed-in user',
  admin: 'an admin',
  each: 'each item’s own signed-in user',
};

export function routeTable(): string {
  const rows = ['| service | route | callers | on behalf of | checks | purpose |', '|---|---|---|---|---|---|'];
  for (const [service, table] of Object.entries(INTERNAL_ACCESS as Record<string, AccessTable>)) {
    for (const [route, rule] of Object.entries(table)) {
      if (rule === OPEN_ROUTE) {
        rows.push(`| ${service} | \`${route}\` | anyone | – | – | public keys, nothing secret |`);
        continue;
      }
      const checks = [
        ...(rule.self ?? []).map((field) => `\`${field}\` = the user (or an admin)`),
        ...(rule.adminWhen ? [`admin when \`${rule.adminWhen.field}\` is ${rule.adminWhen.values.join('/')}`] : []),
        ...(rule.items ? [`each item of \`${rule.items.field}\` asserted`, ...(rule.items.self ?? []).map((field) => `its \`${field}\` = its user`)] : []),
      ];
      rows.push(`| ${service} | \`${route}\` | ${rule.callers.join(', ')} | ${ACTOR[rule.actor]} | ${checks.join('; ') || '–'} | ${rule.purpose} |`);
    }
  }
  return rows.join('\n');
}

export function redisTable(): string {
  const rows = ['| service | may | on |', '|---|---|---|'];
  for (const service of SERVICE_NAMES) {
    for (const grant of REDIS_ACCESS[service]) {
      const on = [
        ...(grant.keys ?? []).map((key) => `keys \`${key}\``),
        ...(grant.readKeys ?? []).map((key) => `keys \`${key}\` (read only)`),
        ...(grant.channels ?? []).map((channel) => `channels \`${channel}\``),
      ];
      rows.push(`| ${service} | ${grant.commands.map((command) => command.replace('|', ' ').toUpperCase()).join(', ')} | ${on.join(', ')} |`);
    }
  }
  return rows.join('\n');
}

const SECTIONS = { 'route-table': routeTable, 'redis-table': redisTable } as const;

const markers = (name: string) => [`<!-- generated:${name} -->`, `<!-- end:${name} -->`] as const;

/** The document with each generated section replaced by what the tables say now. */
export function withGeneratedSections(document: string): string {
  let text = document;
  for (const [name, render] of Object.entries(SECTIONS)) {
    const [start, end] = markers(name);
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`the document has no ${start} … ${end} section`);
    text = `${text.slice(0, from + start.length)}\n${render()}\n${text.slice(to)}`;
  }
  return text;
}

/** `npm run docs:security`: rewrites the generated sections of docs/SECURITY.md. */
export function writeSecurityDoc(path: string): void {
  writeFileSync(path, withGeneratedSections(readFileSync(path, 'utf8')));
}
