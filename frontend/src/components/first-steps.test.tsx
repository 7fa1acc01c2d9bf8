import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Balance } from '@exchange/client';
import { ApiError } from '../lib/api';
import { keys } from '../lib/queries';
import { testMarket } from '../lib/test-fixtures';
import { isEmptyWallet, WalletPage } from '../pages/Wallet';
import { OrderEntry } from './OrderEntry';
import { OrdersPanel } from './Orders';
import { ToastProvider } from './toasts';
import { ErrorNotice, errorText } from './ui';

const market = testMarket();

beforeEach(() => {
  window.EXCHANGE_CONFIG = { gatewayUrl: 'http://gateway.test', jaegerUrl: 'http://jaeger.test' };
});
afterEach(cleanup);

/** a query client that never fetches: what a test puts in it is what the components see */
function renderWith(node: ReactNode, data: Array<[readonly unknown[], unknown]>, path = '/') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, enabled: false } } });
  for (const [key, value] of data) client.setQueryData(key, value);
  return render(
    <QueryClientProvider client={client}>
      <ToastProvider>
        <MemoryRouter initialEntries={[path]}>{node}</MemoryRouter>
      </ToastProvider>
    </QueryClientProvider>,
  );
}

const usd = (available: string, held = '0.00'): Balance => ({
  asset: 'USD',
  available,
  held,
  total: (Number(available) + Number(held)).toFixed(2),
});

describe('errors in words', () => {
  it('INSUFFICIENT_FUNDS for USD says to add funds or lower the quantity, with the amounts, and links the add-funds form', () => {
    const error = new ApiError(422, 'INSUFFICIENT_FUNDS', 'Not enough USD available', { asset: 'USD', available: '10.00', requested: '99.10' }, 'abc');
    expect(errorText(error)).toMatch(/^Not enough USD available: add funds or lower the quantity \(99\.10 needed, 10\.00 available\)/);
    renderWith(<ErrorNotice error={error} />, []);
    expect(screen.getByRole('link', { name: 'Add funds' }).getAttribute('href')).toBe('/wallet#add-funds');
  });

  it('INSUFFICIENT_FUNDS for shares says to lower the quantity, without an add-funds link', () => {
    const error = new ApiError(422, 'INSUFFICIENT_FUNDS', 'Not enough AAPL available', { asset: 'AAPL', available: '2', requested: '5' }, undefined);
    expect(errorText(error)).toMatch(/^Not enough AAPL available to sell: lower the quantity \(5 needed, 2 available\)/);
    renderWith(<ErrorNotice error={error} />, []);
    expect(screen.queryByRole('link', { name: 'Add funds' })).toBeNull();
  });

  it('an unknown code falls back to the message of the exchange', () => {
    expect(errorText(new ApiError(418, 'SOMETHING_NEW', 'the exchange explains', undefined, undefined))).toBe('the exchange explains');
  });
});

describe('an empty wallet', () => {
  it('is one whose balances are all zero, or that has none', () => {
    expect(isEmptyWallet([])).toBe(true);
    expect(isEmptyWallet([usd('0.00')])).toBe(true);
    expect(isEmptyWallet([usd('0.00', '1.00')])).toBe(false);
    expect(isEmptyWallet([usd('0.00'), { asset: 'AAPL', available: '3', held: '0', total: '3' }])).toBe(false);
  });

  it('on the wallet page: a call to add funds that puts the keyboard in the amount field', () => {
    renderWith(<WalletPage />, [[keys.wallet, []]]);
    const cta = screen.getByTestId('wallet-empty');
    expect(cta.textContent).toContain('Your wallet is empty');
    fireEvent.click(screen.getByTestId('wallet-empty-add-funds'));
    expect(document.activeElement?.id).toBe('add-funds-amount');
  });

  it('arriving at /wallet#add-funds focuses the amount field; a funded wallet shows no call', () => {
    renderWith(<WalletPage />, [[keys.wallet, [usd('500.00')]]], '/wallet#add-funds');
    expect(document.activeElement?.id).toBe('add-funds-amount');
    expect(screen.queryByTestId('wallet-empty')).toBeNull();
  });

  it('in the order entry: a buy without USD leads to the add-funds form; a sell or a funded buy does not ask', () => {
    renderWith(<OrderEntry market={market} ticker={undefined} price="" onPrice={() => {}} />, [[keys.wallet, []]]);
    expect(screen.getByTestId('order-entry-no-cash').textContent).toContain('You have no USD yet');
    expect(screen.getByTestId('order-entry-add-funds').getAttribute('href')).toBe('/wallet#add-funds');
    fireEvent.click(screen.getByTestId('order-side-sell'));
    expect(screen.queryByTestId('order-entry-no-cash')).toBeNull();
    cleanup();
    renderWith(<OrderEntry market={market} ticker={undefined} price="" onPrice={() => {}} />, [[keys.wallet, [usd('1000.00')]]]);
    expect(screen.queryByTestId('order-entry-no-cash')).toBeNull();
  });

  it('in the order entry: all USD held by open orders says so', () => {
    renderWith(<OrderEntry market={market} ticker={undefined} price="" onPrice={() => {}} />, [[keys.wallet, [usd('0.00', '250.00')]]]);
    expect(screen.getByTestId('order-entry-no-cash').textContent).toContain('held by open orders');
  });

  it('the order entry waits for the wallet before asking for funds', () => {
    renderWith(<OrderEntry market={market} ticker={undefined} price="" onPrice={() => {}} />, []);
    expect(screen.queryByTestId('order-entry-no-cash')).toBeNull();
  });
});

describe('an empty order list', () => {
  it('tells a new trader how to place a first order and takes the keyboard to the order form', () => {
    renderWith(
      <>
        <OrderEntry market={market} ticker={undefined} price="" onPrice={() => {}} />
        <OrdersPanel symbol="AAPL" />
      </>,
      [
        [keys.wallet, [usd('1000.00')]],
        [keys.ordersBy('open', 'AAPL'), []],
        [keys.ordersBy('closed', 'AAPL'), []],
      ],
    );
    expect(screen.getByTestId('orders-empty').textContent).toMatch(/To place your first order, enter a price and a quantity/);
    fireEvent.click(screen.getByTestId('orders-empty-start'));
    expect(document.activeElement?.id).toBe('order-price');
  });

  it('once there were orders, just says none is open', () => {
    const closed = { id: 'o1', symbol: 'AAPL', status: 'FILLED' };
    renderWith(<OrdersPanel symbol="AAPL" />, [
      [keys.ordersBy('open', 'AAPL'), []],
      [keys.ordersBy('closed', 'AAPL'), [closed]],
    ]);
    expect(screen.getByTestId('orders-empty').textContent).toMatch(/^No open orders/);
    expect(screen.queryByTestId('orders-empty-start')).toBeNull();
  });
});
