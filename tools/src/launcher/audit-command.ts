import { join } from 'node:path';
import { auditThrough, type GeneratedIdentities, SERVICE_NAMES, ServiceClient, type ServiceName, formatAudit, signerOf } from '@exchange/platform';
import type { AuditReport } from '@exchange/contracts';
import { loadIdentities } from './dev-key.js';
import { resolvePorts } from './system.js';

/** Where the services of a running system are and the operator's keys to speak to them. */
export interface AuditTarget {
  urls: Partial<Record<ServiceName, string>>;
  identities: GeneratedIdentities;
}

/** Runs the audit on a running system as the operator: each service answers for its own data, the answers are combined. */
export async function auditSystem(target: AuditTarget, settleMs: number, timeoutMs = 30_000): Promise<AuditReport> {
  const operator = await signerOf(target.identities, 'operator');
  const clients = new Map<ServiceName, ServiceClient>();
  const clientOf = (service: ServiceName) => {
    let client = clients.get(service);
    if (!client) {
      const baseUrl = target.urls[service];
      if (!baseUrl) throw new Error(`no address for the ${service}`);
      client = new ServiceClient({ service, identity: operator, baseUrl, timeoutMs, connections: 2 });
      clients.set(service, client);
    }
    return client;
  };
  try {
    return await auditThrough(clientOf, settleMs);
  } finally {
    await Promise.all([...clients.values()].map((client) => client.close()));
  }
}

/**
 * `npm run audit`: audits the system `npm start` runs here (its ports, or `EXCHANGE_PORT_BASE` /
 * each `<SERVICE>_PORT`; the operator's key from `.exchange/identities` or
 * `EXCHANGE_IDENTITIES_DIR`), prints every check and exits 1 on any violation.
 * `AUDIT_SETTLE_MS` is how long answers that disagree may take to agree (events in flight).
 */
export async function auditCommand(rootDir: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const ports = resolvePorts(env);
  const host = env.SERVICES_HOST ?? '127.0.0.1';
  const urls = Object.fromEntries(SERVICE_NAMES.map((name) => [name, `http://${host}:${ports[name]}`])) as Record<ServiceName, string>;
  const identities = loadIdentities(env.EXCHANGE_IDENTITIES_DIR ?? join(rootDir, '.exchange', 'identities'), false);
  const settleMs = env.AUDIT_SETTLE_MS ? Number(env.AUDIT_SETTLE_MS) : 10_000;
  const report = await auditSystem({ urls, identities }, settleMs);
  for (const line of formatAudit(report)) process.stdout.write(`${line}\n`);
  return report.ok ? 0 : 1;
}
