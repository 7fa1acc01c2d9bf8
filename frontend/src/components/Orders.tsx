import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { exchange } from '../lib/api';
import { formatQty, formatUsd } from '@exchange/client';
import { keys, useFills, useOrders } from '../lib/queries';
import type { Order } from '@exchange/client';
import { Empty, ErrorNotice, SideBadge, td, th, time } from './ui';

function CancelButton({ order }: { order: Order }) {
  const queryClient = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => exchange.cancelOrder({ params: { id: order.id } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.orders }),
  });
  return (
    <div className="flex flex-col items-end gap-1">
      <button
        type="button"
        data-testid={`cancel-${order.id}`}
        disabled={cancel.isPending || order.cancelRequested}
        onClick={() => cancel.mutate()}
        className="rounded px-2 py-0.5 text-xs text-red-300 ring-1 ring-red-800 hover:bg-red-900/40 disabled:opacity-50"
        aria-label={`Cancel ${order.side} ${order.quantity} ${order.symbol}`}
      >
        {order.cancelRequested || cancel.isPending ? 'Canceling…' : 'Cancel'}
      </button>
      {cancel.error && <ErrorNotice error={cancel.error} testId={`cancel-error-${order.id}`} />}
    </div>
  );
}

function OrderTable({ orders, open }: { orders: Order[]; open: boolean }) {
  return (
    <table className="w-full min-w-[36rem]" data-testid={open ? 'open-orders' : 'order-history'}>
      <thead>
        <tr>
          <th className={`${th} text-left`}>Time</th>
          <th className={`${th} text-left`}>Market</th>
          <th className={`${th} text-left`}>Side</th>
          <th className={`${th} text-left`}>Type</th>
          <th className={`${th} text-right`}>Price</th>
          <th className={`${th} text-right`}>Filled / Qty</th>
          <th className={`${th} text-right`}>Avg</th>
          <th className={`${th} text-left`}>Status</th>
          {open && (
            <th className={th}>
              <span className="sr-only">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {orders.length === 0 && (
          <tr>
            <td colSpan={open ? 9 : 8}>
              <Empty>{open ? 'No open orders.' : 'No orders yet.'}</Empty>
            </td>
          </tr>
        )}
        {orders.map((order) => (
          <tr key={order.id} className="border-t border-slate-800" data-testid={`${open ? 'open-order' : 'order'}-${order.id}`}>
            <td className={`${td} whitespace-nowrap text-slate-400`}>{time(order.createdAt)}</td>
            <td className={td}>{order.symbol}</td>
            <td className={td}>
              <SideBadge side={order.side} />
            </td>
            <td className={`${td} text-slate-300`}>
              {order.type} {order.timeInForce}
              {order.postOnly ? ' PO' : ''}
            </td>
            <td className={`${td} num`}>{order.price ? formatUsd(order.price) : 'market'}</td>
            <td className={`${td} num`}>
              {formatQty(order.filledQuantity)} / {formatQty(order.quantity)}
            </td>
            <td className={`${td} num`}>{formatUsd(order.averagePrice)}</td>
            <td className={`${td} text-xs`} title={order.rejectReason ?? undefined}>
              {order.status}
              {order.rejectReason ? ` (${order.rejectReason})` : ''}
            </td>
            {open && (
              <td className={`${td} text-right`}>
                <CancelButton order={order} />
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function FillsTable({ symbol }: { symbol?: string }) {
  const fills = useFills(symbol);
  if (fills.error) return <ErrorNotice error={fills.error} />;
  const items = fills.data ?? [];
  if (items.length === 0) return <Empty>{fills.isPending ? 'Loading…' : 'No trades yet.'}</Empty>;
  return (
    <table className="w-full min-w-[32rem]" data-testid="my-trades">
      <thead>
        <tr>
          <th className={`${th} text-left`}>Time</th>
          <th className={`${th} text-left`}>Market</th>
          <th className={`${th} text-left`}>Side</th>
          <th className={`${th} text-right`}>Price</th>
          <th className={`${th} text-right`}>Qty</th>
          <th className={`${th} text-right`}>Fee</th>
          <th className={`${th} text-left`}>Liquidity</th>
        </tr>
      </thead>
      <tbody>
        {items.map((fill) => (
          <tr key={`${fill.id}-${fill.orderId}`} className="border-t border-slate-800" data-testid={`my-trade-${fill.id}`}>
            <td className={`${td} whitespace-nowrap text-slate-400`}>{time(fill.executedAt)}</td>
            <td className={td}>{fill.symbol}</td>
            <td className={td}>
              <SideBadge side={fill.side} />
            </td>
            <td className={`${td} num`}>{formatUsd(fill.price)}</td>
            <td className={`${td} num`}>{formatQty(fill.quantity)}</td>
            <td className={`${td} num`}>{formatUsd(fill.fee)}</td>
            <td className={`${td} text-xs text-slate-300`}>{fill.liquidity}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const TABS = [
  { id: 'open', label: 'Open orders' },
  { id: 'history', label: 'Order history' },
  { id: 'trades', label: 'My trades' },
] as const;

/** Open orders (with cancel), order history and my trades; kept live by the `user` channel. */
export function OrdersPanel({ symbol }: { symbol?: string }) {
  const [tab, setTab] = useState<(typeof TABS)[number]['id']>('open');
  const open = useOrders('open', symbol);
  const closed = useOrders('closed', symbol);
  return (
    <section className="rounded-lg border border-slate-800 bg-slate-900/70">
      <div role="tablist" aria-label="Orders and trades" className="flex gap-1 border-b border-slate-800 px-2 pt-2">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            data-testid={`tab-${t.id}`}
            onClick={() => setTab(t.id)}
            className={`rounded-t-md px-3 py-1.5 text-sm ${tab === t.id ? 'bg-slate-800 text-white' : 'text-slate-400 hover:text-white'}`}
          >
            {t.label}
            {t.id === 'open' && open.data ? <span className="num ml-1 text-xs text-slate-400">({open.data.length})</span> : null}
          </button>
        ))}
      </div>
      <div className="min-h-[12rem] overflow-x-auto p-2" role="tabpanel">
        {tab === 'open' && (open.error ? <ErrorNotice error={open.error} /> : <OrderTable orders={open.data ?? []} open />)}
        {tab === 'history' && (closed.error ? <ErrorNotice error={closed.error} /> : <OrderTable orders={closed.data ?? []} open={false} />)}
        {tab === 'trades' && <FillsTable symbol={symbol} />}
      </div>
    </section>
  );
}
