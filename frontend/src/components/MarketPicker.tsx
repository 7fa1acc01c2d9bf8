/**
 * The top bar's market picker: a button naming the current market that opens a small dialog with
 * a search box and a list of links (favourites and recent markets first). The list is filtered in
 * memory from GET /v1/markets and at most PICKER_LIMIT rows are drawn, however many markets there
 * are; a row shows a last price and 24h change only when a ticker is already in the cache (no
 * request per market).
 */
import { useQueryClient } from '@tanstack/react-query';
import { type KeyboardEvent, useDeferredValue, useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link, useLocation } from 'react-router';
import type { Market, Ticker } from '@exchange/client';
import { formatUsd } from '@exchange/client';
import { Change } from '../pages/Markets';
import { recordRecentMarket, searchMarkets, toggleFavouriteMarket, useFavouriteMarkets, useRecentMarkets } from '../lib/market-list';
import { cachedTicker, useMarkets } from '../lib/queries';
import { inputClass } from './ui';

/** the most rows the list draws at once; a search narrows it down to the others */
export const PICKER_LIMIT = 50;

/** The symbol in the address of a trade page, if this is one. */
export function symbolOfPath(pathname: string): string | undefined {
  const match = /^\/trade\/([^/]+)/.exec(pathname);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

type Section = { id: 'favourites' | 'recent' | 'results'; title: string; markets: Market[]; more: number };

/** What the picker lists for a search: favourites, recent and all markets when it is empty; the matches, best first, otherwise. */
export function pickerSections(markets: readonly Market[], query: string, favourites: readonly string[], recent: readonly string[]): Section[] {
  const bySymbol = new Map(markets.map((market) => [market.symbol, market]));
  const pick = (symbols: readonly string[]) => symbols.map((symbol) => bySymbol.get(symbol)).filter((market): market is Market => Boolean(market));
  const sections: Section[] = [];
  if (!query.trim()) {
    const favs = pick(favourites);
    if (favs.length) sections.push({ id: 'favourites', title: 'Favourites', markets: favs, more: 0 });
    const recents = pick(recent);
    if (recents.length) sections.push({ id: 'recent', title: 'Recent', markets: recents, more: 0 });
  }
  const found = searchMarkets(markets, query);
  if (!query.trim()) found.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  sections.push({
    id: 'results',
    title: query.trim() ? 'Matches' : 'All markets',
    markets: found.slice(0, PICKER_LIMIT),
    more: Math.max(0, found.length - PICKER_LIMIT),
  });
  return sections;
}

export function MarketPicker() {
  const markets = useMarkets();
  const favourites = useFavouriteMarkets();
  const recent = useRecentMarkets();
  const queryClient = useQueryClient();
  const location = useLocation();
  const current = symbolOfPath(location.pathname);
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const deferredQuery = useDeferredValue(query);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);
  const ids = useId();

  const known = Boolean(current && markets.data?.some((market) => market.symbol === current));
  // every market opened, however it was reached (the picker, a link, the address bar), counts as recent
  useEffect(() => {
    if (current && known) recordRecentMarket(current);
  }, [current, known]);

  // a followed link closes the picker
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every change of page
  useEffect(() => setOpen(false), [location.pathname]);

  useEffect(() => {
    if (!open) return;
    setQuery('');
    inputRef.current?.focus();
    // a press outside the picker closes it
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!panelRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  const sections = useMemo(() => pickerSections(markets.data ?? [], deferredQuery, favourites, recent), [markets.data, deferredQuery, favourites, recent]);
  const results = sections.find((section) => section.id === 'results');

  const close = () => {
    setOpen(false);
    buttonRef.current?.focus();
  };
  const links = () => Array.from(panelRef.current?.querySelectorAll<HTMLAnchorElement>('a[data-picker-link]') ?? []);

  const onPanelKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
      return;
    }
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const all = links();
    if (all.length === 0) return;
    const at = all.indexOf(document.activeElement as HTMLAnchorElement);
    if (at < 0) {
      // from the search box (or a star): Down to the first market, Up to the last
      (event.key === 'ArrowDown' ? all[0] : all[all.length - 1])?.focus();
    } else if (event.key === 'ArrowDown') {
      all[Math.min(at + 1, all.length - 1)]?.focus();
    } else if (at === 0) {
      inputRef.current?.focus();
    } else {
      all[at - 1]?.focus();
    }
  };

  // typing on a link goes on into the search box
  const onLinkKeyDown = (event: KeyboardEvent<HTMLAnchorElement>) => {
    if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) inputRef.current?.focus();
    else if (event.key === 'Backspace') inputRef.current?.focus();
  };

  const onInputKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    // Enter in the search box opens the best match
    if (event.key === 'Enter') {
      event.preventDefault();
      links()[0]?.click();
    }
  };

  const tickerOf = (symbol: string) => cachedTicker(queryClient, symbol);
  const shown = results?.markets.length ?? 0;

  return (
    // on a phone the dialog spans the header's width (the header holds it), from sm up it hangs under the button
    <div className="sm:relative">
      <button
        ref={buttonRef}
        type="button"
        className="inline-flex items-center gap-1.5 rounded-md border border-slate-700 bg-slate-900 px-2.5 py-1 text-sm text-slate-100 hover:bg-slate-800"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? `${ids}-dialog` : undefined}
        onClick={() => setOpen((value) => !value)}
        data-testid="market-picker"
      >
        <span className="text-xs text-slate-400">Market:</span>
        <span className="font-semibold" data-testid="market-picker-current">
          {current ?? 'choose'}
        </span>
        <span aria-hidden="true" className="text-[10px] text-slate-400">
          ▼
        </span>
      </button>
      {open && (
        <div
          ref={panelRef}
          id={`${ids}-dialog`}
          role="dialog"
          aria-label="Choose a market"
          className="absolute top-full right-3 left-3 z-50 mt-1 flex max-h-[75vh] flex-col rounded-lg border border-slate-700 bg-slate-900 shadow-xl sm:right-auto sm:left-0 sm:w-[28rem]"
          onKeyDown={onPanelKeyDown}
          data-testid="market-picker-dialog"
        >
          <div className="border-b border-slate-800 p-2">
            <label htmlFor={`${ids}-search`} className="mb-1 block text-xs text-slate-300">
              Search markets by symbol or name
            </label>
            <input
              ref={inputRef}
              id={`${ids}-search`}
              type="search"
              className={inputClass}
              autoComplete="off"
              spellCheck={false}
              aria-describedby={`${ids}-hint ${ids}-count`}
              value={query}
              onChange={(event) => setQuery(event.target.value)}
              onKeyDown={onInputKeyDown}
              data-testid="market-picker-search"
            />
            <p id={`${ids}-hint`} className="mt-1 text-[11px] text-slate-400">
              Down and Up move through the list, Enter opens, Escape closes.
            </p>
            <p id={`${ids}-count`} className="sr-only" aria-live="polite">
              {deferredQuery.trim() ? `${shown + (results?.more ?? 0)} markets found` : ''}
            </p>
          </div>
          <div className="overflow-y-auto p-1">
            {markets.isPending && <p className="p-2 text-sm text-slate-400">Loading markets…</p>}
            {sections.map((section) => (
              <section key={section.id} aria-labelledby={`${ids}-${section.id}`} data-testid={`picker-${section.id}`}>
                <h2 id={`${ids}-${section.id}`} className="px-2 pt-2 pb-1 text-[11px] font-semibold tracking-wide text-slate-400 uppercase">
                  {section.title}
                </h2>
                {section.markets.length === 0 ? (
                  <p className="px-2 pb-2 text-sm text-slate-400" data-testid="picker-none">
                    {markets.data ? 'No market matches.' : ''}
                  </p>
                ) : (
                  <ul>
                    {section.markets.map((market) => (
                      <PickerRow
                        key={market.symbol}
                        market={market}
                        current={market.symbol === current}
                        favourite={favourites.includes(market.symbol)}
                        ticker={tickerOf(market.symbol)}
                        onLinkKeyDown={onLinkKeyDown}
                      />
                    ))}
                  </ul>
                )}
                {section.more > 0 && (
                  <p className="px-2 py-1.5 text-xs text-slate-400" data-testid="picker-more">
                    {section.more} more: type to narrow the list.
                  </p>
                )}
              </section>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}

function PickerRow({
  market,
  current,
  favourite,
  ticker,
  onLinkKeyDown,
}: {
  market: Market;
  current: boolean;
  favourite: boolean;
  ticker: Ticker | undefined;
  onLinkKeyDown: (event: KeyboardEvent<HTMLAnchorElement>) => void;
}) {
  return (
    <li className="flex items-center gap-1">
      <Link
        to={`/trade/${market.symbol}`}
        data-picker-link=""
        aria-current={current ? 'page' : undefined}
        className="flex min-w-0 flex-1 items-baseline gap-2 rounded-md px-2 py-1.5 text-sm hover:bg-slate-800 focus:bg-slate-800"
        onKeyDown={onLinkKeyDown}
        data-testid={`picker-link-${market.symbol}`}
      >
        <span className="w-16 shrink-0 font-semibold text-sky-300">{market.symbol}</span>
        <span className="min-w-0 flex-1 truncate text-slate-300">{market.name}</span>
        {ticker?.last && (
          <span className="num text-xs text-slate-200">
            {formatUsd(ticker.last)} <Change pct={ticker.changePct24h} />
          </span>
        )}
      </Link>
      <button
        type="button"
        className={`rounded-md px-2 py-1 text-base leading-none hover:bg-slate-800 ${favourite ? 'text-amber-300' : 'text-slate-400'}`}
        aria-pressed={favourite}
        aria-label={`Favourite ${market.symbol}`}
        onClick={() => toggleFavouriteMarket(market.symbol)}
        data-testid={`picker-star-${market.symbol}`}
      >
        <span aria-hidden="true">{favourite ? '★' : '☆'}</span>
      </button>
    </li>
  );
}
