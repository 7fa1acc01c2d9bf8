import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { CandleChart } from '../components/CandleChart';
import { OrderBookView, useOrderBook } from '../components/OrderBook';
import { OrderEntry } from '../components/OrderEntry';
import { OrdersPanel } from '../components/Orders';
import { Empty, ErrorNotice, Panel } from '../components/ui';
import { useLiveCandles, useLiveTicker, useLiveTrades } from '../lib/live';
import { decimalsOf, formatQty, formatUsd } from '@exchange/client';
import { useCandles, useMarket, useMarketTrades, useTicker } from '../lib/queries';
import type { Market } from '@exchange/client';
import { Change } from './Markets';

const INTERVALS = ['1m', '5m', '1h', '1d'] as const;

function Chart({ market }: { market: Market }) {
  const [interval, setInterval] = useState<(typeof INTERVALS)[number]>('1m');
  useLiveCandles(market.symbol, interval);
  const candles = useCandles(market.symbol, interval);
  return (
    <Panel
      title="Chart"
      actions={
        <fieldset className="flex gap-1 border-0 p-0">
          <legend className="sr-only">Candle interval</legend>
          {INTERVALS.map((value) => (
            <button
              key={value}
              type="button"
              aria-pressed={interval === value}
              data-testid={`interval-${value}`}
              onClick={() => setInterval(value)}
              className={`rounded px-2 py-0.5 text-xs ${interval === value ? 'bg-sky-700 text-white' : 'text-slate-400 hover:bg-slate-800 hover:text-white'}`}
            >
              {value}
            </button>
          ))}
        </fieldset>
      }
    >
      <div className="relative h-[320px] sm:h-[380px]">
        <CandleChart candles={candles.data ?? []} priceDecimals={Math.max(2, decimalsOf(market.tickSize))} />
        {candles.data?.length === 0 && (
          <p className="pointer-events-none absolute inset-0 flex items-center justify-center text-sm text-slate-400">No trades in this interval yet.</p>
        )}
        {candles.error && (
          <div className="absolute inset-x-0 top-0">
            <ErrorNotice error={candles.error} />
          </div>
        )}
      </div>
      <p className="mt-1 text-right text-[11px] text-slate-400">
        <a
          href="https://www.tradingview.com/"
          target="_blank"
          rel="noreferrer"
          className="underline hover:text-slate-300"
          data-testid="tradingview-attribution"
        >
          Charts by TradingView
        </a>
      </p>
    </Panel>
  );
}

function Tape({ symbol }: { symbol: string }) {
  useLiveTrades(symbol);
  const trades = useMarketTrades(symbol);
  const items = (trades.data ?? []).slice(0, 25);
  return (
    <Panel title="Trades" testId="trades-tape">
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling list without focusable content needs a tab stop of its own, for a keyboard to scroll it */}
      <section className="h-[220px] overflow-y-auto lg:h-[300px]" tabIndex={0} aria-label="Recent trades, newest first">
        {trades.error && <ErrorNotice error={trades.error} />}
        {items.length === 0 && !trades.error && <Empty>{trades.isPending ? 'Loading…' : 'No trades yet.'}</Empty>}
        <table className="w-full" aria-label="Recent trades">
          <tbody>
            {items.map((trade) => (
              <tr key={trade.id} className="h-6" data-testid={`tape-${trade.id}`}>
                <td className={`num px-2 text-sm ${trade.takerSide === 'BUY' ? 'text-up' : 'text-down'}`}>{formatUsd(trade.price)}</td>
                <td className="num px-2 text-sm text-slate-300">{formatQty(trade.quantity)}</td>
                <td className="num px-2 text-xs text-slate-400">{new Date(trade.executedAt).toLocaleTimeString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Panel>
  );
}

function Book({ symbol, onPick }: { symbol: string; onPick: (price: string) => void }) {
  const book = useOrderBook(symbol);
  return (
    <Panel title="Order book" actions={<span className="text-[11px] text-slate-400 num">seq {book.sequence ?? '—'}</span>}>
      <OrderBookView book={book} onPick={onPick} />
    </Panel>
  );
}

export function TradePage() {
  const { symbol = '' } = useParams();
  const market = useMarket(symbol);
  useLiveTicker(symbol);
  const ticker = useTicker(symbol);
  const [price, setPrice] = useState('');

  if (market.error) return <ErrorNotice error={market.error} />;
  if (market.isPending) return <Empty>Loading…</Empty>;
  if (!market.data)
    return (
      <Panel title="Unknown market">
        <p className="text-sm">
          There is no market {symbol}.{' '}
          <Link className="text-sky-400 underline" to="/markets">
            See all markets
          </Link>
        </p>
      </Panel>
    );
  const m = market.data;
  const t = ticker.data;
  return (
    <div className="space-y-3" data-testid="trade-page">
      <div className="flex flex-wrap items-end gap-x-6 gap-y-1 rounded-lg border border-slate-800 bg-slate-900/70 px-3 py-2">
        <div>
          <h1 className="text-lg font-bold" data-testid="trade-symbol">
            {m.symbol}
          </h1>
          <p className="text-xs text-slate-400">
            {m.name}
            {m.status === 'HALTED' && <span className="ml-2 rounded bg-amber-700 px-1 text-[10px] text-white">HALTED</span>}
          </p>
        </div>
        {[
          [
            'Last',
            <span key="last" data-testid="ticker-last">
              {formatUsd(t?.last ?? null)}
            </span>,
          ],
          ['24h', <Change key="change" pct={t?.changePct24h} />],
          ['High', formatUsd(t?.high24h ?? null)],
          ['Low', formatUsd(t?.low24h ?? null)],
          ['Volume', formatQty(t?.volume24h ?? null)],
        ].map(([label, value]) => (
          <div key={String(label)} className="min-w-[5.5rem] text-right">
            <p className="text-[11px] text-slate-400">{label}</p>
            <p className="num text-sm">{value}</p>
          </div>
        ))}
      </div>
      {/* phone: chart, book and tape, order entry, orders, stacked in the order the keyboard visits them; laptop: three columns, left to right */}
      <div className="grid grid-cols-1 items-start gap-3 lg:grid-cols-[minmax(0,1fr)_260px_300px]">
        <div className="min-w-0 lg:col-start-1 lg:row-start-1">
          <Chart key={m.symbol} market={m} />
        </div>
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:col-start-2 lg:row-span-2 lg:row-start-1 lg:grid-cols-1">
          {/* keys unique among siblings: with one key for both, a change of market left the old book on the page */}
          <Book key={`book-${m.symbol}`} symbol={m.symbol} onPick={setPrice} />
          <Tape key={`tape-${m.symbol}`} symbol={m.symbol} />
        </div>
        <div className="lg:col-start-3 lg:row-span-2 lg:row-start-1">
          <Panel title="Place order">
            <OrderEntry key={m.symbol} market={m} ticker={t} price={price} onPrice={setPrice} />
          </Panel>
        </div>
        <div className="min-w-0 lg:col-start-1 lg:row-start-2">
          <OrdersPanel symbol={m.symbol} />
        </div>
      </div>
    </div>
  );
}
