import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { SERVICE_NAMES } from '@exchange/platform';
import { eventually } from '@exchange/platform/testing';
import { newMarket, orderWhen, placed, trader } from './trading-support.js';

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(expression: string): Promise<Sample[]> {
  const url = `${inject('prometheusUrl')}/api/v1/query?query=${encodeURIComponent(expression)}`;
  const body = (await (await fetch(url)).json()) as { status: string; data: { result: Sample[] }; error?: string };
  if (body.status !== 'success') throw new Error(`Prometheus refused ${expression}: ${body.error}`);
  return body.data.result;
}

/** The samples of `expression` once there are `atLeast` of them (Prometheus scrapes every 5 s). */
function samples(expression: string, atLeast = 1): Promise<Sample[]> {
  return eventually(
    async () => {
      const found = await query(expression);
      return found.length >= atLeast ? found : undefined;
    },
    30_000,
    `${atLeast} sample(s) of ${expression}`,
  );
}

const PROCESSES: readonly string[] = SERVICE_NAMES;

describe('Prometheus beside the system', () => {
  it('scrapes every process of the exchange, Jaeger and itself, each up', async () => {
    const up = await samples('up == 1', PROCESSES.length + 2);
    expect(up.map((sample) => sample.metric.job).sort()).toEqual([...PROCESSES, 'jaeger', 'prometheus'].sort());
    expect(await query('up == 0')).toEqual([]);
  });

  it('loads the exchange’s alert and recording rules, every one evaluating without error and none firing on a healthy system', async () => {
    const body = (await (await fetch(`${inject('prometheusUrl')}/api/v1/rules`)).json()) as {
      data: { groups: Array<{ name: string; rules: Array<{ name: string; type: string; health: string; lastError?: string; state?: string }> }> };
    };
    const rules = body.data.groups.flatMap((group) => group.rules);
    const alerts = rules.filter((rule) => rule.type === 'alerting').map((rule) => rule.name);
    expect(alerts).toEqual(
      expect.arrayContaining([
        'ExchangeProcessDown',
        'ExchangeSlowRequests',
        'ExchangeHighErrorRate',
        'ExchangeSlowDatabase',
        'ExchangeSlowServiceCalls',
        'ExchangeConsumerLagging',
        'ExchangeOutboxBacklog',
      ]),
    );
    // a rule that cannot be evaluated says so in its health once evaluated (every 5 s)
    const evaluated = await eventually(
      async () => {
        const now = (await (await fetch(`${inject('prometheusUrl')}/api/v1/rules`)).json()) as typeof body;
        const all = now.data.groups.flatMap((group) => group.rules);
        return all.every((rule) => rule.health !== 'unknown') ? all : undefined;
      },
      30_000,
      'every rule evaluated',
    );
    expect(evaluated.filter((rule) => rule.health !== 'ok')).toEqual([]);
    const firing = await query('ALERTS{alertstate="firing", alertname="ExchangeProcessDown"}');
    expect(firing).toEqual([]);
  });

  it('shows the key figures to watch: request latency, database time, service calls, the engine’s trades, backlogs', async () => {
    const symbol = await newMarket();
    const seller = await trader('0', { [symbol]: '4' }, 'prom-seller');
    const buyer = await trader('1000.00', {}, 'prom-buyer');
    await placed(seller, { symbol, side: 'SELL', type: 'LIMIT', price: '100.00', quantity: '4' });
    const bought = await placed(buyer, { symbol, side: 'BUY', type: 'LIMIT', price: '100.00', quantity: '4' });
    await orderWhen(buyer, bought.id, 'FILLED');

    const trades = await samples(`exchange_engine_trades_total{symbol="${symbol}"}`);
    expect(Number(trades[0]!.value[1])).toBe(1);
    const matched = await samples(`exchange_engine_matched_shares_total{symbol="${symbol}"}`);
    expect(Number(matched[0]!.value[1])).toBe(4);
    const commands = await samples(`sum(exchange_engine_commands_total{symbol="${symbol}", kind="new"})`);
    expect(Number(commands[0]!.value[1])).toBe(2);
    // every process that talks to PostgreSQL reports its database time, and the gateway its calls
    const databaseTime = await samples('sum by (service) (db_client_query_duration_seconds_count) > 0', PROCESSES.length - 1);
    expect(databaseTime.map((sample) => sample.metric.service)).toEqual(expect.arrayContaining(PROCESSES.filter((name) => name !== 'client-gateway')));
    const calls = await samples('sum by (upstream) (http_client_request_duration_seconds_count{service="client-gateway"}) > 0', 3);
    expect(calls.map((sample) => sample.metric.upstream)).toEqual(expect.arrayContaining(['order-manager', 'user-service', 'wallet-service']));
    await samples('exchange:http_request_duration_seconds:p95_5m{service="client-gateway"}');
    // the outbox backlog of each producer, and the consumers' lag
    const outboxes = await samples('exchange_outbox_unpublished_events', 3);
    expect(outboxes.map((sample) => sample.metric.service)).toEqual(expect.arrayContaining(['order-manager', 'wallet-service', 'matching-engine']));
    await samples('exchange_stream_backlog_events{kind="lag", service="order-manager"}');
  });

  it('knows every metric the alert rules and the Grafana dashboard use: no rule or panel reads a name nobody exposes', async () => {
    const root = resolve(__dirname, '..', '..');
    const rules = readFileSync(resolve(root, 'deploy', 'prometheus', 'alerts.yml'), 'utf8');
    const dashboard = JSON.parse(readFileSync(resolve(root, 'deploy', 'grafana', 'exchange-overview.json'), 'utf8')) as {
      panels: Array<{ targets: Array<{ expr: string }> }>;
    };
    const expressions = [
      ...[...rules.matchAll(/^\s*expr: (.+)$/gm)].map((match) => match[1]!),
      ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)),
    ];
    expect(expressions.length).toBeGreaterThan(15);
    const recording = /\bexchange:[a-z0-9_:]+/g;
    const recorded = new Set(expressions.flatMap((expression) => expression.match(recording) ?? []));
    const names = new Set(expressions.flatMap((expression) => expression.replace(recording, '').match(/\b(?:exchange|http|db_client|process)_[a-z_]+/g) ?? []));
    expect(names.size).toBeGreaterThan(8);
    const missing: string[] = [];
    for (const name of names) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      const metadata = (await (await fetch(`${inject('prometheusUrl')}/api/v1/metadata?metric=${base}`)).json()) as { data: Record<string, unknown[]> };
      if (!metadata.data[base]) missing.push(base);
    }
    expect(missing).toEqual([]);
    // each recording rule the alerts and panels read has series (there has been traffic by now)
    for (const rule of recorded) await samples(rule);
  });
});
