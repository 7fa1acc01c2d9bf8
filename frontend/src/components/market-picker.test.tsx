import { testMarket } from '../lib/test-fixtures';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Market, Ticker } from '@exchange/client';
import { FAVOURITES_KEY, RECENT_KEY, resetMarketPrefsCache } from '../lib/market-list';
import { keys } from '../lib/queries';
import { MarketsPage, PAGE_SIZE } from '../pages/Markets';
import { MarketPicker, PICKER_LIMIT, pickerSections, symbolOfPath } from './MarketPicker';

const market = (symbol: string, name: string): Market => testMarket({ symbol, name, referencePrice: '100.00' });
const ticker = (symbol: string, volume24h: string, changePct24h: string | null): Ticker => ({
  symbol,
  last: '100.00',
  bestBid: null,
  bestAsk: null,
  open24h: '100.00',
  high24h: null,
  low24h: null,
  volume24h,
  changePct24h,
});

/** 200 markets, M000 … M199, "Company 0 Holdings" … */
const many = Array.from({ length: 200 }, (_, i) => market(`M${String(i).padStart(3, '0')}`, `Company ${i} Holdings`));
const few = [market('AAPL', 'Apple Inc.'), market('MSFT', 'Microsoft Corp.'), market('TSLA', 'Tesla Inc.')];

beforeEach(() => {
  window.EXCHANGE_CONFIG = { gatewayUrl: 'http://gateway.test', jaegerUrl: 'http://jaeger.test' };
  localStorage.clear();
  resetMarketPrefsCache();
});
afterEach(cleanup);

function Where() {
  return <output data-testid="where">{useLocation().pathname}</output>;
}

/** `tickers` cached as GET /v1/tickers answered them, `own` as a market's own (live) ticker */
function renderWith(node: React.ReactNode, markets: Market[], path = '/', tickers: Ticker[] = [], own: Ticker[] = []) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, enabled: false } } });
  client.setQueryData(keys.markets, markets);
  if (tickers.length > 0) client.setQueryData(keys.tickers, tickers);
  for (const t of own) client.setQueryData(keys.ticker(t.symbol), t);
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        {node}
        <Routes>
          <Route path="*" element={<Where />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const open = () => fireEvent.click(screen.getByTestId('market-picker'));
const search = (text: string) => fireEvent.change(screen.getByTestId('market-picker-search'), { target: { value: text } });
const listed = (section: string) =>
  within(screen.getByTestId(`picker-${section}`))
    .queryAllByRole('link')
    .map((link) => link.getAttribute('data-testid')?.replace('picker-link-', ''));

describe('the market picker', () => {
  it('a button names the current market and opens a dialog with a labelled search box, focused', () => {
    renderWith(<MarketPicker />, few, '/trade/MSFT');
    const button = screen.getByTestId('market-picker');
    expect(button.textContent).toContain('MSFT');
    expect(button.getAttribute('aria-expanded')).toBe('false');
    open();
    expect(button.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByRole('dialog', { name: 'Choose a market' })).toBeTruthy();
    const input = screen.getByLabelText('Search markets by symbol or name');
    expect(document.activeElement).toBe(input);
  });

  it('filters by symbol and by name, either case, prefix and substring', () => {
    renderWith(<MarketPicker />, few);
    open();
    search('tsl');
    expect(listed('results')).toEqual(['TSLA']);
    search('MICRO');
    expect(listed('results')).toEqual(['MSFT']);
    search('inc');
    expect(listed('results')).toEqual(['AAPL', 'TSLA']);
    search('zzz');
    expect(listed('results')).toEqual([]);
    expect(screen.getByTestId('picker-none').textContent).toContain('No market matches');
  });

  it('Down moves from the search box through the links, Up back, Enter opens, Escape closes and gives the focus back', () => {
    renderWith(<MarketPicker />, few);
    open();
    const dialog = screen.getByTestId('market-picker-dialog');
    fireEvent.keyDown(dialog, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(screen.getByTestId('picker-link-AAPL'));
    fireEvent.keyDown(dialog, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(screen.getByTestId('picker-link-MSFT'));
    fireEvent.keyDown(dialog, { key: 'ArrowUp' });
    fireEvent.keyDown(dialog, { key: 'ArrowUp' });
    expect(document.activeElement).toBe(screen.getByTestId('market-picker-search'));
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByTestId('market-picker-dialog')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId('market-picker'));

    open();
    search('tesla');
    fireEvent.keyDown(screen.getByTestId('market-picker-search'), { key: 'Enter' });
    expect(screen.getByTestId('where').textContent).toBe('/trade/TSLA');
    // a followed link closes the picker, which now names the market
    expect(screen.queryByTestId('market-picker-dialog')).toBeNull();
    expect(screen.getByTestId('market-picker-current').textContent).toBe('TSLA');
  });

  it('draws at most PICKER_LIMIT rows of 200 markets and says how many more a search would reach', () => {
    renderWith(<MarketPicker />, many);
    open();
    expect(listed('results')).toHaveLength(PICKER_LIMIT);
    expect(screen.getByTestId('picker-more').textContent).toContain(`${200 - PICKER_LIMIT} more`);
    search('company 199');
    expect(listed('results')).toEqual(['M199']);
    search('m19');
    expect(listed('results')).toEqual([...Array.from({ length: 10 }, (_, i) => `M19${i}`)]);
  });

  it('a star makes a favourite, listed first and kept in localStorage; a second press takes it away', () => {
    renderWith(<MarketPicker />, few);
    open();
    const star = screen.getByTestId('picker-star-TSLA');
    expect(star.getAttribute('aria-pressed')).toBe('false');
    expect(star.getAttribute('aria-label')).toBe('Favourite TSLA');
    fireEvent.click(star);
    expect(listed('favourites')).toEqual(['TSLA']);
    expect(JSON.parse(localStorage.getItem(FAVOURITES_KEY) ?? '[]')).toEqual(['TSLA']);
    expect(screen.getAllByTestId('picker-star-TSLA').every((button) => button.getAttribute('aria-pressed') === 'true')).toBe(true);
    fireEvent.click(screen.getAllByTestId('picker-star-TSLA')[0] as HTMLElement);
    expect(screen.queryByTestId('picker-favourites')).toBeNull();
    expect(JSON.parse(localStorage.getItem(FAVOURITES_KEY) ?? '[]')).toEqual([]);
  });

  it('a market opened becomes the latest recent one, kept in localStorage; favourites and recents come back after a reload', () => {
    localStorage.setItem(RECENT_KEY, JSON.stringify(['AAPL']));
    localStorage.setItem(FAVOURITES_KEY, JSON.stringify(['MSFT', 'GONE']));
    renderWith(<MarketPicker />, few, '/trade/TSLA');
    expect(JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]')).toEqual(['TSLA', 'AAPL']);
    open();
    // a favourite no longer listed is left out
    expect(listed('favourites')).toEqual(['MSFT']);
    expect(listed('recent')).toEqual(['TSLA', 'AAPL']);
    // a search lists matches only
    search('a');
    expect(screen.queryByTestId('picker-recent')).toBeNull();
  });

  it('an unknown symbol in the address is not recorded as recent', () => {
    renderWith(<MarketPicker />, few, '/trade/NOPE');
    expect(localStorage.getItem(RECENT_KEY)).toBeNull();
  });

  it('shows a price and change only from tickers already cached: the list of all, or a market’s own', () => {
    renderWith(<MarketPicker />, few, '/', [ticker('AAPL', '10', '2.50')], [ticker('TSLA', '5', '-1.25')]);
    open();
    expect(screen.getByTestId('picker-link-AAPL').textContent).toContain('+2.50%');
    expect(screen.getByTestId('picker-link-TSLA').textContent).toContain('-1.25%');
    expect(screen.getByTestId('picker-link-MSFT').textContent).not.toContain('%');
  });

  it('symbolOfPath and pickerSections', () => {
    expect(symbolOfPath('/trade/BRK.B')).toBe('BRK.B');
    expect(symbolOfPath('/markets')).toBeUndefined();
    const sections = pickerSections(few, '', ['TSLA'], ['AAPL', 'MSFT']);
    expect(sections.map((s) => [s.id, s.markets.map((m) => m.symbol)])).toEqual([
      ['favourites', ['TSLA']],
      ['recent', ['AAPL', 'MSFT']],
      ['results', ['AAPL', 'MSFT', 'TSLA']],
    ]);
  });
});

describe('the markets page', () => {
  const rows = () => screen.getAllByTestId(/^market-row-/).map((row) => row.getAttribute('data-testid')?.replace('market-row-', ''));

  it('draws one page of 200 markets, searchable, with pages', () => {
    renderWith(<MarketsPage />, many);
    expect(rows()).toHaveLength(PAGE_SIZE);
    expect(screen.getByTestId('markets-page').textContent).toBe(`Page 1 of ${200 / PAGE_SIZE}`);
    fireEvent.click(screen.getByTestId('markets-next'));
    expect(rows()[0]).toBe(`M0${PAGE_SIZE}`);
    fireEvent.change(screen.getByLabelText('Search markets'), { target: { value: 'company 42 ' } });
    expect(rows()).toEqual(['M042']);
    fireEvent.change(screen.getByLabelText('Search markets'), { target: { value: 'nothing like it' } });
    expect(screen.getByTestId('markets-none')).toBeTruthy();
  });

  it('sorts by symbol, 24h change and 24h volume from header buttons, with aria-sort on the sorted header', () => {
    const tickers = [ticker('AAPL', '500', '1.50'), ticker('MSFT', '1200', '-2.25'), ticker('TSLA', '30', '4.00')];
    renderWith(<MarketsPage />, few, '/', tickers);
    const header = (name: string) => screen.getByRole('button', { name }).closest('th') as HTMLElement;
    expect(header('Market').getAttribute('aria-sort')).toBe('ascending');
    expect(rows()).toEqual(['AAPL', 'MSFT', 'TSLA']);

    act(() => screen.getByRole('button', { name: '24h change' }).click());
    expect(header('24h change').getAttribute('aria-sort')).toBe('descending');
    expect(header('Market').getAttribute('aria-sort')).toBeNull();
    expect(rows()).toEqual(['TSLA', 'AAPL', 'MSFT']);
    act(() => screen.getByRole('button', { name: '24h change' }).click());
    expect(header('24h change').getAttribute('aria-sort')).toBe('ascending');
    expect(rows()).toEqual(['MSFT', 'AAPL', 'TSLA']);

    act(() => screen.getByRole('button', { name: '24h volume' }).click());
    expect(header('24h volume').getAttribute('aria-sort')).toBe('descending');
    expect(rows()).toEqual(['MSFT', 'AAPL', 'TSLA']);

    act(() => screen.getByRole('button', { name: 'Market' }).click());
    act(() => screen.getByRole('button', { name: 'Market' }).click());
    expect(header('Market').getAttribute('aria-sort')).toBe('descending');
    expect(rows()).toEqual(['TSLA', 'MSFT', 'AAPL']);
    expect(screen.getByTestId('market-volume-MSFT').textContent).toBe('1,200');
    expect(screen.getByTestId('market-change-MSFT').textContent).toBe('-2.25%');
  });

  it('shows a market’s own live ticker when it is newer than the list of all', () => {
    renderWith(<MarketsPage />, few, '/', [ticker('AAPL', '500', '1.50'), ticker('MSFT', '1200', '-2.25')], [ticker('AAPL', '510', '1.75')]);
    expect(screen.getByTestId('market-change-AAPL').textContent).toBe('+1.75%');
    expect(screen.getByTestId('market-change-MSFT').textContent).toBe('-2.25%');
    expect(screen.getByTestId('market-change-TSLA').textContent).toBe('—');
  });
});
