import type { TraceSpan } from '@exchange/client';
import { useQuery } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { Button, Empty, ErrorNotice, inputClass, Panel, td, th } from '../components/ui';
import { placeSpans, serviceColor, TraceWaterfall } from '../components/TraceWaterfall';
import { ApiError, exchange } from '../lib/api';
import { useMe } from '../lib/queries';

const ms = (nanos: string) => `${(Number(BigInt(nanos) / 1000n) / 1000).toFixed(2)} ms`;
const when = (nanos: string) => new Date(Number(BigInt(nanos) / 1_000_000n)).toLocaleTimeString(undefined, { hour12: false });

/** Recent and slowest traces that started in a service (an admin's view of the trace backend). */
export function TracesPage() {
  const me = useMe();
  const [service, setService] = useState('client-gateway');
  const [order, setOrder] = useState<'recent' | 'slowest'>('recent');
  const isAdmin = me.data?.role === 'admin';
  const services = useQuery({ queryKey: ['traces', 'services'], queryFn: () => exchange.traceServices(), enabled: isAdmin });
  const traces = useQuery({
    queryKey: ['traces', service, order],
    queryFn: () => exchange.traces({ query: { service, order, limit: 30 } }),
    enabled: isAdmin,
    refetchInterval: 5000,
  });
  if (me.data && !isAdmin) {
    return (
      <Panel title="Traces">
        <Empty>Listing traces is for admins. Every failed request shows a link to its own trace.</Empty>
      </Panel>
    );
  }
  return (
    <Panel
      title="Traces"
      testId="traces"
      actions={
        <div className="flex items-center gap-2">
          <label htmlFor="trace-service" className="text-xs text-slate-400">
            Service
          </label>
          <select
            id="trace-service"
            className={`${inputClass} w-48`}
            value={service}
            onChange={(event) => setService(event.target.value)}
            data-testid="trace-service"
          >
            {(services.data?.services ?? [service]).map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
          <fieldset className="flex gap-1">
            <legend className="sr-only">Order</legend>
            <Button
              variant={order === 'recent' ? 'primary' : 'secondary'}
              aria-pressed={order === 'recent'}
              onClick={() => setOrder('recent')}
              data-testid="traces-recent"
            >
              Recent
            </Button>
            <Button
              variant={order === 'slowest' ? 'primary' : 'secondary'}
              aria-pressed={order === 'slowest'}
              onClick={() => setOrder('slowest')}
              data-testid="traces-slowest"
            >
              Slowest
            </Button>
          </fieldset>
        </div>
      }
    >
      {(traces.error || services.error) && <ErrorNotice error={traces.error ?? services.error} />}
      {traces.data && traces.data.traces.length === 0 && <Empty>No traces of {service} in the last hour yet.</Empty>}
      {traces.data && traces.data.traces.length > 0 && (
        <div className="overflow-x-auto">
          <table className="w-full min-w-[48rem]">
            <thead>
              <tr>
                {['Started', 'Request', 'Duration', 'Spans', 'Services', ''].map((h) => (
                  <th key={h} className={`${th} text-left`}>
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {traces.data.traces.map((trace) => (
                <tr key={trace.traceId} className="border-t border-slate-800" data-testid={`trace-row-${trace.traceId}`}>
                  <td className={`${td} num`}>{when(trace.startUnixNano)}</td>
                  <td className={td}>
                    <Link to={`/traces/${trace.traceId}`} className="text-sky-400 underline" data-testid="trace-open">
                      {trace.name}
                    </Link>
                  </td>
                  <td className={`${td} num`}>{ms(trace.durationNano)}</td>
                  <td className={`${td} num`}>{trace.spanCount}</td>
                  <td className={`${td} text-xs text-slate-400`}>{trace.services.join(', ')}</td>
                  <td className={td}>{trace.hasError && <span className="rounded bg-red-800 px-1.5 text-xs text-white">error</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

function SpanDetails({ span }: { span: TraceSpan }) {
  const attributes = Object.entries(span.attributes).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div className="space-y-2 text-sm" data-testid="span-details">
      <h3 className="font-semibold text-slate-200">
        {span.service}: {span.name}
      </h3>
      <p className="text-xs text-slate-400">
        {span.kind} · {ms(span.durationNano)} · status {span.status}
        {span.statusMessage ? ` (${span.statusMessage})` : ''}
      </p>
      {attributes.length > 0 && (
        <dl className="grid grid-cols-[minmax(10rem,auto)_1fr] gap-x-3 gap-y-0.5 font-mono text-xs">
          {attributes.map(([key, value]) => (
            <div key={key} className="contents">
              <dt className="text-slate-400">{key}</dt>
              <dd className="break-all text-slate-200">{value}</dd>
            </div>
          ))}
        </dl>
      )}
      {span.events.map((event) => (
        <div key={`${event.name}-${event.timeUnixNano}-${JSON.stringify(event.attributes).length}`} className="rounded border border-slate-800 p-2">
          <p className="text-xs font-semibold text-slate-300">event: {event.name}</p>
          {event.attributes['exception.stacktrace'] ? (
            <pre className="overflow-x-auto text-xs text-red-200" data-testid="span-stack">
              {event.attributes['exception.stacktrace']}
            </pre>
          ) : (
            <pre className="overflow-x-auto text-xs text-slate-300">{JSON.stringify(event.attributes, null, 2)}</pre>
          )}
        </div>
      ))}
      {span.links.length > 0 && (
        <p className="text-xs text-slate-400">
          linked to{' '}
          {span.links.map((link) => (
            <Link key={`${link.traceId}-${link.spanId}`} to={`/traces/${link.traceId}`} className="mr-2 font-mono text-sky-400 underline">
              {link.traceId.slice(0, 12)}…
            </Link>
          ))}
        </p>
      )}
    </div>
  );
}

/** One trace: every span on a waterfall, the spans as a list, the chosen span's attributes, events and links. */
export function TracePage() {
  const { traceId = '' } = useParams();
  const trace = useQuery({
    queryKey: ['trace', traceId],
    queryFn: () => exchange.trace({ params: { traceId } }),
    // a new trace's spans arrive over a second or two: ask again while it is not there
    retry: (count, error) => count < 5 && error instanceof ApiError && error.code === 'TRACE_NOT_FOUND',
    retryDelay: 1000,
  });
  const placed = useMemo(() => placeSpans(trace.data?.spans ?? []), [trace.data]);
  const [selected, setSelected] = useState<string | undefined>();
  const select = useCallback((spanId: string) => setSelected(spanId), []);
  const chosen = placed.find((p) => p.span.spanId === selected)?.span ?? placed.find((p) => p.span.status === 'error')?.span ?? placed[0]?.span;
  const services = [...new Set(placed.map((p) => p.span.service))];
  return (
    <div className="space-y-3">
      <Panel
        title={
          <span>
            Trace <span className="font-mono">{traceId}</span>
          </span>
        }
        testId="trace"
        actions={
          <Button variant="secondary" onClick={() => void trace.refetch()}>
            Refresh
          </Button>
        }
      >
        {trace.error && <ErrorNotice error={trace.error} />}
        {trace.isPending && <Empty>Loading the trace…</Empty>}
        {trace.data && (
          <>
            <p className="mb-2 flex flex-wrap gap-3 text-xs text-slate-400" data-testid="trace-summary">
              <span>{placed.length} spans</span>
              {services.map((service) => (
                <span key={service} className="inline-flex items-center gap-1">
                  <span aria-hidden="true" className="inline-block h-2 w-2 rounded-full" style={{ backgroundColor: serviceColor(service) }} />
                  {service}
                </span>
              ))}
            </p>
            <TraceWaterfall placed={placed} onSelect={select} />
          </>
        )}
      </Panel>
      {trace.data && (
        <div className="grid gap-3 lg:grid-cols-2">
          <Panel title="Spans">
            <ol className="max-h-[32rem] overflow-y-auto font-mono text-xs" data-testid="trace-spans">
              {placed.map(({ span, depth, durationMs }) => (
                <li key={span.spanId}>
                  <button
                    type="button"
                    onClick={() => setSelected(span.spanId)}
                    aria-current={chosen?.spanId === span.spanId}
                    className={`flex w-full justify-between gap-2 rounded px-1 text-left hover:bg-slate-800 ${chosen?.spanId === span.spanId ? 'bg-slate-800' : ''}`}
                    style={{ paddingLeft: `${depth * 12 + 4}px` }}
                    data-testid={`span-${span.spanId}`}
                  >
                    <span className={span.status === 'error' ? 'text-red-300' : 'text-slate-200'}>
                      {span.service}: {span.name}
                    </span>
                    <span className="text-slate-400">{durationMs.toFixed(2)} ms</span>
                  </button>
                </li>
              ))}
            </ol>
          </Panel>
          <Panel title="Span">{chosen ? <SpanDetails span={chosen} /> : <Empty>Choose a span.</Empty>}</Panel>
        </div>
      )}
    </div>
  );
}
