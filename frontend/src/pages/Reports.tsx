import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Empty, ErrorNotice, Field, inputClass, Panel, SideBadge, td, th, time } from '../components/ui';
import { download, exchange } from '../lib/api';
import { formatAsset, formatQty, formatUsd } from '@exchange/client';
import { keys, useMe } from '../lib/queries';

const isoDay = (date: Date) => date.toISOString().slice(0, 10);
const tomorrow = () => isoDay(new Date(Date.now() + 86_400_000));
const monthAgo = () => isoDay(new Date(Date.now() - 30 * 86_400_000));

function PnlValue({ value }: { value: string | null }) {
  if (value === null) return <span className="text-slate-400">—</span>;
  return <span className={value.startsWith('-') ? 'text-down' : /^0+(\.0+)?$/.test(value) ? '' : 'text-up'}>{formatUsd(value)}</span>;
}

function PnlReport() {
  const pnl = useQuery({ queryKey: [...keys.reports, 'pnl'], queryFn: () => exchange.pnl() });
  return (
    <Panel title="Profit and loss (weighted average cost)" testId="pnl">
      {pnl.error && <ErrorNotice error={pnl.error} />}
      <div className="overflow-x-auto">
        <table className="w-full min-w-[40rem]">
          <thead>
            <tr>
              {['Symbol', 'Quantity', 'Avg cost', 'Cost basis', 'Market', 'Value', 'Unrealized', 'Realized'].map((h, i) => (
                <th key={h} className={`${th} ${i === 0 ? 'text-left' : 'text-right'}`}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {(pnl.data?.positions ?? []).map((p) => (
              <tr key={p.symbol} className="border-t border-slate-800" data-testid={`pnl-${p.symbol}`}>
                <td className={`${td} font-semibold`}>{p.symbol}</td>
                <td className={`${td} num`}>{formatQty(p.quantity)}</td>
                <td className={`${td} num`}>{formatUsd(p.averageCost)}</td>
                <td className={`${td} num`}>{formatUsd(p.costBasis)}</td>
                <td className={`${td} num`}>{formatUsd(p.marketPrice)}</td>
                <td className={`${td} num`}>{formatUsd(p.marketValue)}</td>
                <td className={`${td} num`}>
                  <PnlValue value={p.unrealizedPnl} />
                </td>
                <td className={`${td} num`}>
                  <PnlValue value={p.realizedPnl} />
                </td>
              </tr>
            ))}
            {pnl.data && (
              <tr className="border-t-2 border-slate-700 font-semibold" data-testid="pnl-totals">
                <td className={td}>Total</td>
                <td className={td} />
                <td className={td} />
                <td className={`${td} num`}>{formatUsd(pnl.data.totals.costBasis)}</td>
                <td className={td} />
                <td className={`${td} num`}>{formatUsd(pnl.data.totals.marketValue)}</td>
                <td className={`${td} num`}>
                  <PnlValue value={pnl.data.totals.unrealizedPnl} />
                </td>
                <td className={`${td} num`}>
                  <PnlValue value={pnl.data.totals.realizedPnl} />
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {pnl.isPending && <Empty>Loading…</Empty>}
    </Panel>
  );
}

function StatementReport() {
  const [from, setFrom] = useState(monthAgo);
  const [to, setTo] = useState(tomorrow);
  const statement = useQuery({
    queryKey: [...keys.reports, 'statement', from, to],
    queryFn: async () => {
      const answer = await exchange.statement({ query: { from, to } });
      // without format=csv the statement is JSON; text here would be the exchange breaking its contract
      if (typeof answer === 'string') throw new Error('The statement came as text, not JSON');
      return answer;
    },
    enabled: Boolean(from && to),
  });
  const csv = useMutation({ mutationFn: () => download('statement', { query: { from, to, format: 'csv' } }, `statement-${from}-${to}.csv`) });
  return (
    <Panel
      title="Statement"
      testId="statement"
      actions={
        <Button variant="secondary" onClick={() => csv.mutate()} disabled={csv.isPending} data-testid="statement-csv">
          {csv.isPending ? 'Preparing…' : 'Download CSV'}
        </Button>
      }
    >
      <div className="mb-3 flex flex-wrap gap-3">
        <div className="w-40">
          <Field label="From" htmlFor="statement-from">
            <input id="statement-from" data-testid="statement-from" type="date" className={inputClass} value={from} onChange={(e) => setFrom(e.target.value)} />
          </Field>
        </div>
        <div className="w-40">
          <Field label="To (exclusive)" htmlFor="statement-to">
            <input id="statement-to" data-testid="statement-to" type="date" className={inputClass} value={to} onChange={(e) => setTo(e.target.value)} />
          </Field>
        </div>
      </div>
      {(statement.error ?? csv.error) && <ErrorNotice error={statement.error ?? csv.error} />}
      {statement.isPending && <Empty>Loading…</Empty>}
      {statement.data?.assets.length === 0 && <Empty>Nothing in this period.</Empty>}
      <div className="space-y-4">
        {statement.data?.assets.map((a) => (
          <div key={a.asset} className="overflow-x-auto" data-testid={`statement-${a.asset}`}>
            <h3 className="mb-1 flex flex-wrap justify-between gap-2 text-sm font-semibold">
              <span>{a.asset}</span>
              <span className="num text-xs font-normal text-slate-400">
                opening {formatAsset(a.opening, a.asset)} · closing {formatAsset(a.closing, a.asset)}
              </span>
            </h3>
            <table className="w-full min-w-[32rem]">
              <thead>
                <tr>
                  {['Time', 'Type', 'Amount', 'Balance', 'Reference'].map((h, i) => (
                    <th key={h} className={`${th} ${i === 2 || i === 3 ? 'text-right' : 'text-left'}`}>
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {a.entries.map((e, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a statement is an ordered list replaced as a whole on each fetch, and its entries have no id of their own
                  <tr key={i} className="border-t border-slate-800">
                    <td className={`${td} whitespace-nowrap text-slate-400`}>{time(e.time)}</td>
                    <td className={`${td} text-xs`}>
                      {e.type}
                      {e.side ? ` ${e.side}` : ''}
                    </td>
                    <td className={`${td} num`}>{formatAsset(e.amount, a.asset)}</td>
                    <td className={`${td} num`}>{formatAsset(e.balanceAfter, a.asset)}</td>
                    <td className={`${td} font-mono text-xs text-slate-400`}>{e.reference}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
        {statement.data && statement.data.fills.length > 0 && (
          <div className="overflow-x-auto">
            <h3 className="mb-1 text-sm font-semibold">Fills</h3>
            <table className="w-full min-w-[36rem]">
              <thead>
                <tr>
                  {['Time', 'Symbol', 'Side', 'Price', 'Qty', 'Notional', 'Fee'].map((h, i) => (
                    <th key={h} className={`${th} ${i >= 3 ? 'text-right' : 'text-left'}`}>
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {statement.data.fills.map((f) => (
                  <tr key={`${f.tradeId}-${f.orderId}`} className="border-t border-slate-800">
                    <td className={`${td} whitespace-nowrap text-slate-400`}>{time(f.time)}</td>
                    <td className={td}>{f.symbol}</td>
                    <td className={td}>
                      <SideBadge side={f.side} />
                    </td>
                    <td className={`${td} num`}>{formatUsd(f.price)}</td>
                    <td className={`${td} num`}>{formatQty(f.quantity)}</td>
                    <td className={`${td} num`}>{formatUsd(f.notional)}</td>
                    <td className={`${td} num`}>{formatUsd(f.fee)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </Panel>
  );
}

function VolumeReport() {
  const volume = useQuery({ queryKey: [...keys.reports, 'volume'], queryFn: () => exchange.volume({ query: { from: monthAgo(), to: tomorrow() } }) });
  return (
    <Panel title="Exchange volume (admin)" testId="volume">
      {volume.error && <ErrorNotice error={volume.error} />}
      <div className="overflow-x-auto">
        <table className="w-full min-w-[40rem]">
          <thead>
            <tr>
              {['Day', 'Symbol', 'Accepted', 'Filled', 'Canceled', 'Expired', 'Rejected', 'Trades', 'Shares', 'Notional'].map((h, i) => (
                <th key={h} className={`${th} ${i >= 2 ? 'text-right' : 'text-left'}`}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {(volume.data?.items ?? [])
              .filter((v) => v.trades > 0 || v.orders.accepted > 0)
              .map((v) => (
                <tr key={`${v.day}-${v.symbol}`} className="border-t border-slate-800">
                  <td className={`${td} text-slate-400`}>{v.day}</td>
                  <td className={td}>{v.symbol}</td>
                  {(
                    [
                      ['accepted', v.orders.accepted],
                      ['filled', v.orders.filled],
                      ['canceled', v.orders.canceled],
                      ['expired', v.orders.expired],
                      ['rejected', v.orders.rejected],
                      ['trades', v.trades],
                    ] as const
                  ).map(([name, n]) => (
                    <td key={name} className={`${td} num`}>
                      {n.toLocaleString()}
                    </td>
                  ))}
                  <td className={`${td} num`}>{formatQty(v.quantity)}</td>
                  <td className={`${td} num`}>{formatUsd(v.notional)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
      {volume.isPending && <Empty>Loading…</Empty>}
    </Panel>
  );
}

export function ReportsPage() {
  const me = useMe();
  return (
    <div className="space-y-3">
      <PnlReport />
      <StatementReport />
      {me.data?.role === 'admin' && <VolumeReport />}
    </div>
  );
}
