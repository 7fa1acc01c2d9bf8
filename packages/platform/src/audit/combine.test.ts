import type { AuditSet, ServiceAudit, ServiceName } from '@exchange/contracts';
import { describe, expect, it } from 'vitest';
import { AUDITED_SERVICES, combineAudits, runAudit, SET_HOLDERS } from './combine.js';

const trades = (symbol: string, count: number, fingerprint: string): AuditSet => ({ name: 'trades', symbol, count, fingerprint });

/** Every audited service answering with no checks of its own and the same sets and positions: a consistent system. */
function consistent(): ServiceAudit[] {
  return AUDITED_SERVICES.map((service) => ({
    service,
    checks: [],
    produced: service === 'matching-engine' ? [{ stream: 'executions:AAPL', lastSeq: 12, unpublished: 0 }] : [],
    consumed: ['order-manager', 'market-data', 'notification', 'reporting-service'].includes(service)
      ? [{ group: service, stream: 'executions:AAPL', position: 12 }]
      : [],
    sets: SET_HOLDERS.trades.includes(service) ? [trades('AAPL', 3, '123456')] : [],
  }));
}

function change(answers: ServiceAudit[], service: ServiceName, edit: (answer: ServiceAudit) => ServiceAudit): ServiceAudit[] {
  return answers.map((answer) => (answer.service === service ? edit(answer) : answer));
}

const failed = (report: ReturnType<typeof combineAudits>) => report.checks.filter((check) => !check.ok).map((check) => check.name);

describe('combining the services’ answers into the audit', () => {
  it('passes when every set agrees and every consumer has applied every numbered event', () => {
    const report = combineAudits(consistent());
    expect(failed(report)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.find((check) => check.name === 'every event delivered')?.detail).toContain('1 numbered streams');
  });

  it('a trade the wallet never settled fails the trades check, naming the symbol and each holder’s count', () => {
    const report = combineAudits(change(consistent(), 'wallet-service', (a) => ({ ...a, sets: [trades('AAPL', 2, '100')] })));
    expect(report.ok).toBe(false);
    const check = report.checks.find((c) => !c.ok)!;
    expect(check.name).toContain('settled once');
    expect(check.detail).toContain('AAPL');
    expect(check.detail).toContain('wallet-service 2');
  });

  it('the same count with another member (a different fingerprint) still fails', () => {
    const report = combineAudits(change(consistent(), 'market-data', (a) => ({ ...a, sets: [trades('AAPL', 3, '999')] })));
    expect(failed(report)).toEqual([expect.stringContaining('settled once')]);
  });

  it('a set only one holder has for a symbol fails: the others count 0', () => {
    const report = combineAudits(
      change(consistent(), 'order-manager', (a) => ({ ...a, sets: [...a.sets, { name: 'resting', symbol: 'MSFT', count: 1, fingerprint: '5' }] })),
    );
    expect(failed(report)).toEqual(['the engine’s book = the open orders']);
  });

  it('a consumer behind the producer, one that never read the stream, or an outbox row waiting, fails delivery', () => {
    const behind = combineAudits(
      change(consistent(), 'notification', (a) => ({ ...a, consumed: [{ group: 'notification', stream: 'executions:AAPL', position: 10 }] })),
    );
    expect(failed(behind)).toEqual(['every event delivered']);
    expect(behind.checks.find((c) => !c.ok)!.detail).toContain('notification (notification) applied executions:AAPL to 10 of 12');
    const never = combineAudits(change(consistent(), 'reporting-service', (a) => ({ ...a, consumed: [] })));
    expect(never.checks.find((c) => !c.ok)!.detail).toContain('reporting-service never read executions:AAPL');
    const waiting = combineAudits(
      change(consistent(), 'matching-engine', (a) => ({ ...a, produced: [{ stream: 'executions:AAPL', lastSeq: 12, unpublished: 2 }] })),
    );
    expect(failed(waiting)).toEqual(['every outbox row published']);
  });

  it('a service’s own failed check fails the audit; a service that did not answer fails it too', () => {
    const own = combineAudits(
      change(consistent(), 'wallet-service', (a) => ({
        ...a,
        checks: [{ name: 'no negative balance', ok: false, detail: '1 accounts below zero', numbers: {} }],
      })),
    );
    expect(own.ok).toBe(false);
    expect(own.checks.find((c) => !c.ok)).toMatchObject({ service: 'wallet-service', name: 'no negative balance' });
    const missing = combineAudits(
      consistent().filter((a) => a.service !== 'market-data'),
      [{ service: 'market-data', error: 'connect ECONNREFUSED' }],
    );
    expect(missing.ok).toBe(false);
    expect(missing.checks.find((c) => !c.ok)).toMatchObject({ service: 'market-data', name: 'answers the audit' });
  });

  it('gathers again while the answers disagree, and reports what still disagrees when the time to settle is over', async () => {
    let round = 0;
    const settling = await runAudit(
      async () => {
        round += 1;
        const answers = round < 3 ? change(consistent(), 'order-manager', (a) => ({ ...a, sets: [trades('AAPL', 2, '1')] })) : consistent();
        return { answers, missing: [] };
      },
      10_000,
      1,
    );
    expect(settling).toMatchObject({ ok: true, rounds: 3 });
    const never = await runAudit(async () => ({ answers: change(consistent(), 'order-manager', (a) => ({ ...a, sets: [] })), missing: [] }), 30, 5);
    expect(never.ok).toBe(false);
    expect(never.rounds).toBeGreaterThan(1);
  });
});
