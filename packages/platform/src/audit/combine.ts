import {
  SERVICE_AUDIT_ROUTE,
  type AuditCheck,
  type AuditedSet,
  type AuditReport,
  producerOf,
  type ServiceAudit,
  type ServiceName,
  STREAMS,
} from '@exchange/contracts';
import { callRoute } from '../http/contract-routes.js';
import type { ServiceClient } from '../http/service-client.js';

/** Who holds a copy of each audited set: they must all hold the same one. */
export const SET_HOLDERS: Record<AuditedSet, readonly ServiceName[]> = {
  trades: ['matching-engine', 'order-manager', 'wallet-service', 'market-data', 'reporting-service'],
  resting: ['matching-engine', 'order-manager'],
  holds: ['order-manager', 'wallet-service'],
  'filled-orders': ['order-manager', 'notification'],
};

/** What each set's agreement means, as the audit names the check. */
const SET_CHECKS: Record<AuditedSet, string> = {
  trades: 'every engine trade filled, settled once, on the tape and in the reports',
  resting: 'the engine’s book = the open orders',
  holds: 'holds = what open orders need',
  'filled-orders': 'a fill notification only for a filled order',
};

/** The services whose answers the audit needs: every producer, consumer and holder of a set. */
export const AUDITED_SERVICES: readonly ServiceName[] = [
  ...new Set<ServiceName>([...Object.values(STREAMS).flatMap((kind) => [kind.producer, ...kind.consumers]), ...Object.values(SET_HOLDERS).flat()]),
];

type Check = AuditCheck & { service: string };

/** Every consumer of every stream has applied all the producer has numbered, and no outbox row waits. */
function deliveryChecks(answers: Map<ServiceName, ServiceAudit>): Check[] {
  const behind: string[] = [];
  const waiting: string[] = [];
  let streams = 0;
  for (const producer of answers.values()) {
    for (const { stream, lastSeq, unpublished } of producer.produced) {
      if (unpublished > 0) waiting.push(`${producer.service}: ${unpublished} in ${stream}`);
      if (producerOf(stream) !== producer.service || lastSeq === 0) continue;
      streams += 1;
      const kind = Object.values(STREAMS).find((k) => k.producer === producer.service && stream.startsWith(k.name('')))!;
      for (const consumer of kind.consumers) {
        const positions = answers.get(consumer)?.consumed.filter((p) => p.stream === stream) ?? [];
        if (positions.length === 0) behind.push(`${consumer} never read ${stream} (${lastSeq} events)`);
        for (const { group, position } of positions) {
          if (position !== lastSeq) behind.push(`${consumer} (${group}) applied ${stream} to ${position} of ${lastSeq}`);
        }
      }
    }
  }
  return [
    {
      service: 'streams',
      name: 'every event delivered',
      ok: behind.length === 0,
      detail: behind.length === 0 ? `every consumer has applied all of ${streams} numbered streams` : behind.slice(0, 10).join('; '),
      numbers: { streams: String(streams), behind: String(behind.length) },
    },
    {
      service: 'streams',
      name: 'every outbox row published',
      ok: waiting.length === 0,
      detail: waiting.length === 0 ? 'no outbox row waits past its grace time' : waiting.slice(0, 10).join('; '),
      numbers: { waiting: String(waiting.length) },
    },
  ];
}

/** Each audited set is the same in every service that holds it, symbol by symbol. */
function setChecks(answers: Map<ServiceName, ServiceAudit>): Check[] {
  return (Object.keys(SET_HOLDERS) as AuditedSet[]).map((name) => {
    const holders = SET_HOLDERS[name];
    const symbols = new Set<string | null>();
    for (const holder of holders) for (const set of answers.get(holder)?.sets ?? []) if (set.name === name) symbols.add(set.symbol);
    const differing: string[] = [];
    let members = 0;
    for (const symbol of [...symbols].sort((a, b) => String(a).localeCompare(String(b)))) {
      const views = holders.map((holder) => {
        const set = answers.get(holder)?.sets.find((s) => s.name === name && s.symbol === symbol);
        return { holder, count: set?.count ?? 0, fingerprint: set?.fingerprint ?? '0' };
      });
      members = Math.max(members, ...views.map((view) => view.count));
      if (views.some((view) => view.fingerprint !== views[0]!.fingerprint || view.count !== views[0]!.count)) {
        differing.push(`${symbol ?? 'all'}: ${views.map((view) => `${view.holder} ${view.count}`).join(', ')}`);
      }
    }
    return {
      service: 'shared sets',
      name: SET_CHECKS[name],
      ok: differing.length === 0,
      detail:
        differing.length === 0
          ? `the same ${name} in ${holders.join(', ')} (${symbols.size} ${symbols.size === 1 ? 'set' : 'sets'})`
          : `differ in ${differing.length}: ${differing.slice(0, 10).join('; ')}`,
      numbers: { sets: String(symbols.size), differing: String(differing.length) },
    };
  });
}

/**
 * Combines the services' answers into one report: each service's own checks, every stream
 * delivered, every shared set equal. A service that did not answer is a failed check of its own.
 */
export function combineAudits(
  answers: readonly ServiceAudit[],
  missing: ReadonlyArray<{ service: ServiceName; error: string }> = [],
): Omit<AuditReport, 'checkedAt' | 'rounds'> {
  const byService = new Map(answers.map((answer) => [answer.service, answer]));
  const checks: Check[] = [
    ...missing.map(({ service, error }) => ({ service, name: 'answers the audit', ok: false, detail: error, numbers: {} })),
    ...answers.flatMap((answer) => answer.checks.map((check) => ({ service: answer.service, ...check }))),
    ...(missing.length > 0 ? [] : [...deliveryChecks(byService), ...setChecks(byService)]),
  ];
  return { ok: checks.every((check) => check.ok), services: answers.map((answer) => answer.service), checks };
}

export interface AuditGathering {
  answers: ServiceAudit[];
  missing: Array<{ service: ServiceName; error: string }>;
}

/**
 * Runs the audit on a running system: gathers every service's answer and combines them; while they
 * disagree (events still in flight between services) gathers again, until `settleMs` has passed.
 * What still disagrees then is a violation.
 */
export async function runAudit(gather: () => Promise<AuditGathering>, settleMs: number, pauseMs = 500): Promise<AuditReport> {
  const started = Date.now();
  for (let rounds = 1; ; rounds++) {
    const { answers, missing } = await gather();
    const report = combineAudits(answers, missing);
    if (report.ok || Date.now() - started >= settleMs) return { ...report, checkedAt: new Date().toISOString(), rounds };
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

/** The report as lines of text, one per check, for a terminal. */
export function formatAudit(report: AuditReport): string[] {
  const lines = report.checks.map((check) => `${check.ok ? 'ok  ' : 'FAIL'}  ${check.service.padEnd(20)} ${check.name}: ${check.detail}`);
  const failed = report.checks.filter((check) => !check.ok).length;
  lines.push(
    '',
    report.ok
      ? `Audit passed: ${report.checks.length} checks over ${report.services.length} services (${report.rounds} ${report.rounds === 1 ? 'round' : 'rounds'}).`
      : `Audit FAILED: ${failed} of ${report.checks.length} checks (after ${report.rounds} rounds).`,
  );
  return lines;
}

/** Asks every audited service for its answer at once; one that fails is named with its error. */
export async function gatherAudits(ask: (service: ServiceName) => Promise<ServiceAudit>): Promise<AuditGathering> {
  const results = await Promise.allSettled(AUDITED_SERVICES.map((service) => ask(service)));
  const gathering: AuditGathering = { answers: [], missing: [] };
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') gathering.answers.push(result.value);
    else gathering.missing.push({ service: AUDITED_SERVICES[index]!, error: result.reason instanceof Error ? result.reason.message : String(result.reason) });
  });
  return gathering;
}

/**
 * Runs the audit through each service's own `audit` route, with the clients of whoever asks (the
 * gateway for an admin, the operator's tools).
 */
export function auditThrough(clientOf: (service: ServiceName) => ServiceClient, settleMs: number): Promise<AuditReport> {
  return runAudit(() => gatherAudits(async (service) => (await callRoute(clientOf(service), SERVICE_AUDIT_ROUTE, {})).body), settleMs);
}
