import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../lib/api';
import { keys } from '../lib/queries';
import { testMarket } from '../lib/test-fixtures';
import { OrderEntry } from './OrderEntry';
import { ToastProvider } from './toasts';
import { ErrorNotice } from './ui';

const market = testMarket();

beforeEach(() => {
  window.EXCHANGE_CONFIG = { gatewayUrl: 'http://gateway.test', jaegerUrl: 'http://jaeger.test' };
});
afterEach(cleanup);

describe('ErrorNotice', () => {
  it('explains the code, lists the fields and links the trace in Jaeger', () => {
    const error = new ApiError(
      400,
      'VALIDATION_FAILED',
      'The request body is not valid',
      { fields: { email: ['must be a valid e-mail address'] } },
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
    render(<ErrorNotice error={error} />);
    expect(screen.getByRole('alert').textContent).toContain('must be a valid e-mail address');
    expect(screen.getByTestId('trace-link').getAttribute('href')).toBe('http://jaeger.test/trace/4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it("links the app's own trace page when there is no Jaeger UI to open", () => {
    window.EXCHANGE_CONFIG = { gatewayUrl: 'http://gateway.test', jaegerUrl: '' };
    render(<ErrorNotice error={new ApiError(503, 'SERVICE_UNAVAILABLE', 'down', undefined, '4bf92f3577b34da6a3ce929d0e0e4736')} />);
    expect(screen.getByTestId('trace-link').getAttribute('href')).toBe('/traces/4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('names the risk rule of a RISK_REJECTED refusal', () => {
    render(<ErrorNotice error={new ApiError(422, 'RISK_REJECTED', 'price outside the collar', { rule: 'PRICE_COLLAR' }, 'abc')} />);
    expect(screen.getByRole('alert').textContent).toContain('PRICE_COLLAR');
  });
});

describe('OrderEntry', () => {
  function renderEntry(price = '101.00') {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false, enabled: false } } });
    client.setQueryData(keys.wallet, [{ asset: 'USD', available: '1011.00', held: '0.00', total: '1011.00' }]);
    let current = price;
    const utils = render(
      <QueryClientProvider client={client}>
        <ToastProvider>
          <OrderEntry market={market} ticker={undefined} price={current} onPrice={(p) => (current = p)} />
        </ToastProvider>
      </QueryClientProvider>,
    );
    return utils;
  }

  it('shows the cost with the largest fee and the available balance before sending', () => {
    renderEntry();
    fireEvent.change(screen.getByTestId('order-quantity'), { target: { value: '10' } });
    expect(screen.getByTestId('order-notional').textContent).toBe('1,010.00');
    expect(screen.getByTestId('order-fee').textContent).toBe('1.01');
    expect(screen.getByTestId('order-total').textContent).toBe('1,011.01');
    expect(screen.getByTestId('order-available').textContent).toContain('1,011.00');
    fireEvent.click(screen.getByTestId('order-submit'));
    expect(screen.getByTestId('order-warning').textContent).toMatch(/Not enough USD/);
  });

  it('refuses a quantity off the lot without sending', () => {
    renderEntry();
    fireEvent.change(screen.getByTestId('order-quantity'), { target: { value: '1.5' } });
    fireEvent.click(screen.getByTestId('order-submit'));
    expect(screen.getByText(/whole number of shares/)).toBeTruthy();
  });
});
