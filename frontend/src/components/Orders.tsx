import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { exchange } from '../lib/api';
import { formatQty, formatUsd } from '@exchange/client';
import { keys, useFills, useOrders } from '../lib/queries';
import type { Order } from '@exchange/client';
import { focusOrderEntry } from './OrderEntry';
import { Empty, ErrorNotice, SideBadge, td, th, time } from './ui';

/** What an empty order list says: the first order's how-to (with the way to the form), or just that none is open. */
function NoOrders({ open, first, symbol }: { open: boolean; first: boolean; symbol: string | undefined }) {
  if (!first)
    return (
      <Empty testId="orders-empty">{open ? 'No open orders: an order that is not filled at once rests here until it is.' : 'No closed orders yet.'}</Empty>
    );
  return (
    <Empty testId="orders-empty">
      <span className="block">No orders yet. To place your first order, enter a price and a quantity in the order form and press Buy or Sell.</span>
      {symbol ? (
        <button type="button" className="mt-2 font-medium text-sky-300 underline" onClick={focusOrderEntry} data-testid="orders-empty-start">
          Go to the order form
        </button>
      ) : (
        <Link to="/markets" className="mt-2 inline-block font-medium text-sky-300 underline" data-testid="orders-empty-start">
          Choose a market to trade
        </Link>
      )}
    </Empty>
  );
}

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

function OrderTable({ orders, open, empty }: { orders: Order[]; open: boolean; empty: ReactNode }) {
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
            <td colSpan={open ? 9 : 8}>{empty}</td>
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
  if (items.length === 0) return <Empty>{fills.isPending ? 'Loading…' : 'No trades yet: the fills of your orders are listed here.'}</Empty>;
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
  // a first order is still to come: neither an open nor a closed one (once both lists are known)
  const first = open.data?.length === 0 && closed.data?.length === 0;
  return (
    <section className="rounded-lg border border-slate-800 bg-slate-900/70">
      <div role="tablist" aria-label="Orders and trades" className="flex gap-1 border-b border-slate-800 px-2 pt-2">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`orders-tab-${t.id}`}
            aria-controls="orders-tabpanel"
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
      {/* focusable, as a tab panel is: its table scrolls sideways on a phone, and a keyboard must be able to scroll it */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region without focusable content needs a tab stop of its own */}
      <div id="orders-tabpanel" className="min-h-[12rem] overflow-x-auto p-2" role="tabpanel" tabIndex={0} aria-labelledby={`orders-tab-${tab}`}>
        {tab === 'open' &&
          (open.error ? (
            <ErrorNotice error={open.error} />
          ) : (
            <OrderTable orders={open.data ?? []} open empty={<NoOrders open first={first} symbol={symbol} />} />
          ))}
        {tab === 'history' &&
          (closed.error ? (
            <ErrorNotice error={closed.error} />
          ) : (
            <OrderTable orders={closed.data ?? []} open={false} empty={<NoOrders open={false} first={first} symbol={symbol} />} />
          ))}
        {tab === 'trades' && <FillsTable symbol={symbol} />}
      </div>
    </section>
  );
}
