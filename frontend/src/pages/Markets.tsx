import { useDeferredValue, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { Button, Empty, ErrorNotice, inputClass, Panel, td, th } from '../components/ui';
import { useLiveTicker } from '../lib/live';
import { formatDecimal, formatQty, formatUsd } from '@exchange/client';
import { type MarketSort, newerTicker, nextSort, type SortKey, searchMarkets, sortMarkets } from '../lib/market-list';
import { useMarkets, useOwnTicker, useTickers } from '../lib/queries';
import type { Market, Ticker } from '@exchange/client';

/** rows on one page of the table: only these follow their ticker live (every ticker comes from one GET /v1/tickers) */
export const PAGE_SIZE = 25;

export function Change({ pct }: { pct: string | null | undefined }) {
  if (!pct) return <span className="text-slate-400">—</span>;
  const negative = pct.startsWith('-');
  const zero = /^-?0+(\.0+)?$/.test(pct);
  return (
    <span className={zero ? 'text-slate-300' : negative ? 'text-down' : 'text-up'}>
      {negative || zero ? '' : '+'}
      {formatDecimal(pct, 2)}%
    </span>
  );
}

type TickersQuery = { data: Ticker[] | undefined; dataUpdatedAt: number };

function MarketRow({ market, tickers }: { market: Market; tickers: TickersQuery }) {
  useLiveTicker(market.symbol);
  const own = useOwnTicker(market.symbol);
  const t = newerTicker(own, tickers, market.symbol);
  return (
    <tr className="border-t border-slate-800 hover:bg-slate-800/40" data-testid={`market-row-${market.symbol}`}>
      <td className={td}>
        <Link to={`/trade/${market.symbol}`} className="font-semibold text-sky-300 hover:underline" data-testid={`market-link-${market.symbol}`}>
          {market.symbol}
        </Link>
        <span className="ml-2 hidden text-xs text-slate-400 sm:inline">{market.name}</span>
        {market.status === 'HALTED' && <span className="ml-2 rounded bg-amber-700 px-1 text-[10px]">HALTED</span>}
      </td>
      <td className={`${td} num`} data-testid={`market-last-${market.symbol}`}>
        {formatUsd(t?.last ?? null)}
      </td>
      <td className={`${td} num`} data-testid={`market-change-${market.symbol}`}>
        <Change pct={t?.changePct24h} />
      </td>
      <td className={`${td} num hidden md:table-cell`}>{formatUsd(t?.bestBid ?? null)}</td>
      <td className={`${td} num hidden md:table-cell`}>{formatUsd(t?.bestAsk ?? null)}</td>
      <td className={`${td} num hidden sm:table-cell`} data-testid={`market-volume-${market.symbol}`}>
        {formatQty(t?.volume24h ?? null)}
      </td>
    </tr>
  );
}

const SORT_WORDS: Record<SortKey, string> = { symbol: 'symbol', volume: '24h volume', change: '24h change' };

/** A column header that sorts the table: a button inside the header cell, aria-sort on the cell when it is the sorted one. */
function SortHeader({
  label,
  sortKey,
  sort,
  onSort,
  className,
}: {
  label: string;
  sortKey: SortKey;
  sort: MarketSort;
  onSort: (key: SortKey) => void;
  className: string;
}) {
  const active = sort.key === sortKey;
  const arrow = active ? (sort.direction === 'asc' ? '▲' : '▼') : '';
  return (
    <th className={`${th} ${className}`} aria-sort={active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : undefined} scope="col">
      <button
        type="button"
        className="inline-flex items-center gap-1 rounded px-1 font-medium text-slate-300 hover:text-white"
        onClick={() => onSort(sortKey)}
        data-testid={`sort-${sortKey}`}
      >
        {label}
        <span aria-hidden="true" className="inline-block w-3 text-[10px]">
          {arrow}
        </span>
      </button>
    </th>
  );
}

export function MarketsPage() {
  const markets = useMarkets();
  const [query, setQuery] = useState('');
  const deferredQuery = useDeferredValue(query);
  const [sort, setSort] = useState<MarketSort>({ key: 'symbol', direction: 'asc' });
  const [page, setPage] = useState(0);

  const found = useMemo(() => searchMarkets(markets.data ?? [], deferredQuery), [markets.data, deferredQuery]);
  // every market's ticker in one request, fetched again every few seconds: what the table sorts by
  const tickers = useTickers();
  const bySymbol = useMemo(() => new Map((tickers.data ?? []).map((ticker) => [ticker.symbol, ticker])), [tickers.data]);
  const sorted = useMemo(() => sortMarkets(found, sort, (symbol) => bySymbol.get(symbol)), [found, sort, bySymbol]);

  const pages = Math.max(1, Math.ceil(sorted.length / PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const rows = sorted.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE);
  const onSort = (key: SortKey) => {
    setSort((old) => nextSort(old, key));
    setPage(0);
  };
  const ranking = sort.key !== 'symbol' && !tickers.data;

  return (
    <Panel title="Markets" testId="markets">
      {markets.error && <ErrorNotice error={markets.error} />}
      {tickers.error && !tickers.data && <ErrorNotice error={tickers.error} testId="tickers-error" />}
      <div className="mb-2 flex flex-wrap items-end gap-3">
        <div className="w-full max-w-xs">
          <label htmlFor="markets-search" className="mb-1 block text-xs text-slate-400">
            Search markets
          </label>
          <input
            id="markets-search"
            type="search"
            className={inputClass}
            placeholder="Symbol or name"
            autoComplete="off"
            value={query}
            onChange={(event) => {
              setQuery(event.target.value);
              setPage(0);
            }}
            data-testid="markets-search"
          />
        </div>
        <p className="text-xs text-slate-400" aria-live="polite" data-testid="markets-status">
          {markets.data ? `${found.length} of ${markets.data.length} markets, by ${SORT_WORDS[sort.key]}` : ''}
          {ranking ? ' (loading the tickers)' : ''}
        </p>
      </div>
      <div className="overflow-x-auto">
        <table className="w-full min-w-[20rem]" data-testid="markets-table">
          <thead>
            <tr>
              <SortHeader label="Market" sortKey="symbol" sort={sort} onSort={onSort} className="text-left" />
              <th className={`${th} text-right`} scope="col">
                Last
              </th>
              <SortHeader label="24h change" sortKey="change" sort={sort} onSort={onSort} className="text-right" />
              <th className={`${th} hidden text-right md:table-cell`} scope="col">
                Bid
              </th>
              <th className={`${th} hidden text-right md:table-cell`} scope="col">
                Ask
              </th>
              <SortHeader label="24h volume" sortKey="volume" sort={sort} onSort={onSort} className="hidden text-right sm:table-cell" />
            </tr>
          </thead>
          <tbody>
            {rows.map((market) => (
              <MarketRow key={market.symbol} market={market} tickers={tickers} />
            ))}
          </tbody>
        </table>
        {markets.isPending && <Empty>Loading markets…</Empty>}
        {markets.data?.length === 0 && <Empty>No markets listed yet.</Empty>}
        {markets.data && markets.data.length > 0 && found.length === 0 && <Empty testId="markets-none">No market matches “{query}”.</Empty>}
      </div>
      {pages > 1 && (
        <nav aria-label="Pages of markets" className="mt-2 flex items-center justify-end gap-2 text-xs text-slate-400">
          <Button variant="secondary" disabled={current === 0} onClick={() => setPage(current - 1)} data-testid="markets-prev">
            Previous
          </Button>
          <span data-testid="markets-page">
            Page {current + 1} of {pages}
          </span>
          <Button variant="secondary" disabled={current >= pages - 1} onClick={() => setPage(current + 1)} data-testid="markets-next">
            Next
          </Button>
        </nav>
      )}
    </Panel>
  );
}
