import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, gatewayApi, launchChromium, ROOT } from './support.js';
import { startPrivateSystem, type PrivateSystem, type RunningSystem } from '@exchange/tools';

/**
 * A trader's whole session in Debian's Chromium against the whole system, started by the
 * launcher `npm start` uses (its own database, Redis prefix and ports), front end included.
 */
describe('the trading front end in a real browser', () => {
  let exchange: PrivateSystem;
  let system: RunningSystem;
  let browser: Browser;
  let gateway: string;
  const logs: string[] = [];

  beforeAll(async () => {
    exchange = await startPrivateSystem(ROOT, {
      seedAdmin: true,
      seedDemoTrading: { adminEmail: 'admin@exchange.local', adminPassword: 'exchange-admin' },
      withFrontend: true,
      env: { OTEL_SDK_DISABLED: 'true' },
      output: (line) => logs.push(line),
    });
    system = exchange.system;
    gateway = exchange.gateway;
    // a browser that is not there fails loudly here
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await exchange?.stop();
  });

  const { api, login } = gatewayApi(() => gateway);
  const testId = (page: Page, id: string) => page.getByTestId(id);

  it('register → log in → add funds → a resting buy → filled by another user live → cancel another → log out', async () => {
    const admin = await login('admin@exchange.local', 'exchange-admin');
    const symbol = `BRW${Date.now().toString(36).toUpperCase().slice(-5)}`;
    await api('POST', '/v1/admin/markets', admin, {
      symbol,
      name: 'Browser Test Inc.',
      tickSize: '0.01',
      lotSize: '1',
      referencePrice: '100.00',
      makerFeeBps: 0,
      takerFeeBps: 10,
    });

    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const email = `browser-${Date.now()}@example.com`;
    // the Content-Security-Policy must let the app do everything it does: no violation all session long
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });

    // register, which signs in
    await page.goto(system.frontendUrl!);
    await testId(page, 'register-link').click();
    await testId(page, 'register-email').fill(email);
    await testId(page, 'register-password').fill('correct-horse-battery');
    await testId(page, 'register-submit').click();
    await page.waitForURL('**/wallet');

    // log out and in again: the session is the token
    await testId(page, 'logout').click();
    await testId(page, 'login-email').fill(email);
    await testId(page, 'login-password').fill('correct-horse-battery');
    await testId(page, 'login-submit').click();
    await testId(page, 'user-email').waitFor();

    // add funds
    await testId(page, 'nav-wallet').click();
    await testId(page, 'add-funds-amount').fill('10000');
    await testId(page, 'add-funds-submit').click();
    await expect.poll(() => testId(page, 'balance-USD-available').textContent(), { timeout: 10_000 }).toContain('10,000.00');

    // a limit buy that rests, and a second one to cancel later
    await page.goto(`${system.frontendUrl}/trade/${symbol}`);
    await testId(page, 'order-book').waitFor();
    const placeBuy = async (price: string, quantity: string) => {
      await testId(page, 'order-side-buy').click();
      await testId(page, 'order-type').selectOption('LIMIT');
      await testId(page, 'order-price').fill(price);
      await testId(page, 'order-quantity').fill(quantity);
      await testId(page, 'order-submit').click();
    };
    await placeBuy('99.00', '5');
    const openRows = page.locator('[data-testid^="open-order-"]');
    await expect.poll(() => openRows.count(), { timeout: 10_000 }).toBe(1);
    const firstId = (await openRows.first().getAttribute('data-testid'))!.replace('open-order-', '');
    await placeBuy('98.00', '2');
    await expect.poll(() => openRows.count(), { timeout: 10_000 }).toBe(2);
    const secondId = (await openRows.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-testid')!.replace('open-order-', '')))).find(
      (id) => id !== firstId,
    )!;
    await expect.poll(async () => (await testId(page, 'order-book').getAttribute('data-synced')) === 'true', { timeout: 10_000 }).toBe(true);
    await expect.poll(() => page.locator('[data-testid="book-bid-99.00"]').count(), { timeout: 10_000 }).toBe(1);

    // toasts come and go: watch for the fill's from before it can happen
    const fillToast = page
      .locator('[data-testid="toast"]', { hasText: /filled/i })
      .first()
      .waitFor({ timeout: 20_000 });

    // another user sells into the first buy, through the API
    const seller = await api('POST', '/v1/auth/register', undefined, { email: `seller-${Date.now()}@example.com`, password: 'correct-horse-battery' });
    await api('POST', '/v1/admin/credit', admin, { userId: seller.user.id, asset: symbol, amount: '5' });
    const sellerToken = await login(seller.user.email, 'correct-horse-battery');
    await api('POST', '/v1/orders', sellerToken, { symbol, side: 'SELL', type: 'LIMIT', price: '99.00', quantity: '5' });

    // without a reload: the order leaves the open orders, a toast and the bell tell of the fill, the fill is listed
    await expect.poll(() => testId(page, `open-order-${firstId}`).count(), { timeout: 15_000 }).toBe(0);
    await fillToast;
    await expect.poll(async () => Number((await testId(page, 'notifications-count').textContent()) ?? '0'), { timeout: 15_000 }).toBeGreaterThan(0);
    await testId(page, 'tab-trades').click();
    await expect.poll(() => page.locator('[data-testid^="my-trade-"]').count(), { timeout: 10_000 }).toBe(1);
    await testId(page, 'tab-open').click();
    await page.screenshot({ path: resolve(ARTIFACTS, 'trade-screen.png') });

    // new balances: 10,000.00 − 495.00 (5 × 99.00, maker: no fee) − 196.19 held for the 2 × 98.00 buy (+ its largest fee, 0.19)
    await testId(page, 'nav-wallet').click();
    await expect.poll(() => testId(page, 'balance-USD-available').textContent(), { timeout: 10_000 }).toContain('9,308.81');
    await expect(testId(page, 'balance-USD-held').textContent()).resolves.toContain('196.19');
    await expect(testId(page, `balance-${symbol}-total`).textContent()).resolves.toContain('5');
    await page.screenshot({ path: resolve(ARTIFACTS, 'wallet.png') });

    // cancel the other order: its hold comes back
    await page.goto(`${system.frontendUrl}/trade/${symbol}`);
    await testId(page, `cancel-${secondId}`).click();
    await expect.poll(() => testId(page, `open-order-${secondId}`).count(), { timeout: 15_000 }).toBe(0);
    await testId(page, 'nav-wallet').click();
    await expect.poll(() => testId(page, 'balance-USD-held').textContent(), { timeout: 10_000 }).toContain('0.00');
    await expect(testId(page, 'balance-USD-available').textContent()).resolves.toContain('9,505.00');

    // log out: back to the login screen
    await testId(page, 'logout').click();
    await testId(page, 'login-email').waitFor();
    await context.close();
    expect(violations).toEqual([]);
  });

  it('is served with a strict Content-Security-Policy and the other protective headers, and without source maps', async () => {
    const page = await fetch(`${system.frontendUrl}/trade/AAPL`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`connect-src 'self' ${gateway}`);
    expect(csp).not.toContain('unsafe-eval');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    const html = await page.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const bundle = await fetch(`${system.frontendUrl}${script}`);
    expect(bundle.status).toBe(200);
    expect(await bundle.text()).not.toContain('sourceMappingURL');
    expect((await fetch(`${system.frontendUrl}${script}.map`)).status).toBe(404);
    const config = await (await fetch(`${system.frontendUrl}/config.js`)).text();
    expect(config).toContain(gateway);
  });
});
