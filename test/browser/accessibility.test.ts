import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, axeViolations, gatewayApi, launchChromium, type PageViolations, ROOT } from './support.js';
import { startPrivateSystem, type PrivateSystem, type RunningSystem } from '@exchange/tools';

/** the little of the page's DOM the checks read (the tests compile without the DOM's types) */
type PageGlobals = {
  document: {
    activeElement: { id: string; tagName: string; dataset: Record<string, string | undefined> } | null;
    body: unknown;
  };
  getComputedStyle(element: unknown): { outlineStyle: string; outlineWidth: string; boxShadow: string };
};

/** An element as the tab-order check reads it in the page. */
type PageElement = {
  dataset: Record<string, string | undefined>;
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  getClientRects(): { length: number };
  getBoundingClientRect(): { top: number; bottom: number };
};

/**
 * Every page of the front end, signed out and signed in, with data in its tables (a resting
 * order, a trade, notifications), checked by axe-core for WCAG 2.0/2.1 A and AA: no rule
 * disabled, nothing excluded. Also the keyboard path of the order entry and the order book,
 * and a new user's first steps (an empty wallet offers to add funds).
 */
describe('accessibility and first steps of the front end, in a real browser', () => {
  let exchange: PrivateSystem;
  let system: RunningSystem;
  let browser: Browser;
  let gateway: string;
  const logs: string[] = [];
  const results: Record<string, PageViolations> = {};

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
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    writeFileSync(resolve(ARTIFACTS, 'axe-results.json'), `${JSON.stringify(results, null, 2)}\n`);
    await browser?.close();
    await exchange?.stop();
  });

  const { api, login } = gatewayApi(() => gateway);

  /** axe-core on the page as it is now, recorded under `name` */
  async function audit(page: Page, name: string): Promise<PageViolations> {
    const found = await axeViolations(page);
    results[name] = found;
    return found;
  }

  /** the computed focus indicator of the focused element: an outline or a box-shadow ring */
  const focusRing = (page: Page) =>
    page.evaluate(() => {
      const { document, getComputedStyle } = globalThis as unknown as PageGlobals;
      const element = document.activeElement;
      if (!element || element === document.body) return { tag: 'body', visible: false };
      const style = getComputedStyle(element);
      const outline = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 1;
      const shadow = style.boxShadow !== 'none' && style.boxShadow !== '';
      return { tag: element.tagName.toLowerCase(), id: element.id, testId: element.dataset.testid, visible: outline || shadow };
    });

  /** Tab until the element with `testId` has the focus (at most `limit` presses), checking the focus ring at every stop */
  async function tabTo(page: Page, testId: string, limit = 60): Promise<void> {
    for (let i = 0; i < limit; i++) {
      await page.keyboard.press('Tab');
      const ring = await focusRing(page);
      if (ring.tag !== 'body') expect(ring, `focus ring on ${JSON.stringify(ring)}`).toMatchObject({ visible: true });
      if (ring.testId === testId) return;
    }
    throw new Error(`${testId} not reached in ${limit} presses of Tab`);
  }

  it('signed out: the log-in and sign-up pages', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${system.frontendUrl}/login`);
    await page.getByTestId('login-email').waitFor();
    await audit(page, 'login');
    // a refused log-in shows its error on the page
    await page.getByTestId('login-email').fill('nobody@example.com');
    await page.getByTestId('login-password').fill('wrong-password');
    await page.keyboard.press('Enter');
    await page.getByTestId('login-error').waitFor();
    await audit(page, 'login (refused)');
    await page.goto(`${system.frontendUrl}/register`);
    await page.getByTestId('register-email').waitFor();
    await audit(page, 'register');
    await context.close();
  });

  it('a new user: an empty wallet offers to add funds (wallet and order entry), an empty order list tells how to start; every page audited', async () => {
    const admin = await login('admin@exchange.local', 'exchange-admin');
    const symbol = `AXE${Date.now().toString(36).toUpperCase().slice(-5)}`;
    await api('POST', '/v1/admin/markets', admin, {
      symbol,
      name: 'Accessible Inc.',
      tickSize: '0.01',
      lotSize: '1',
      referencePrice: '100.00',
      makerFeeBps: 0,
      takerFeeBps: 10,
    });
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const testId = (id: string) => page.getByTestId(id);

    // sign up: lands on the wallet with nothing in it, and a call to add funds
    const email = `axe-${Date.now()}@example.com`;
    await page.goto(`${system.frontendUrl}/register`);
    await testId('register-email').fill(email);
    await testId('register-password').fill('correct-horse-battery');
    await testId('register-submit').click();
    await page.waitForURL('**/wallet');
    await expect.poll(() => testId('balance-USD-available').textContent(), { timeout: 10_000 }).toContain('0.00');
    await testId('wallet-empty').waitFor();
    await audit(page, 'wallet (new user)');

    // the trade page: the order entry asks for funds first, an empty order list says how to start
    await page.goto(`${system.frontendUrl}/trade/${symbol}`);
    await testId('order-book').waitFor();
    await testId('order-entry-add-funds').waitFor();
    await expect(testId('orders-empty').textContent()).resolves.toMatch(/first order/i);
    await audit(page, 'trade (new user, no funds)');

    // the call to action opens the add-funds form; adding funds there works
    await testId('order-entry-add-funds').click();
    await page.waitForURL('**/wallet**');
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.id)).toBe('add-funds-amount');
    await page.keyboard.type('10000');
    await page.keyboard.press('Enter');
    await expect.poll(() => testId('balance-USD-available').textContent(), { timeout: 10_000 }).toContain('10,000.00');
    await expect.poll(() => testId('wallet-empty').count()).toBe(0);

    // the keyboard alone: to the order entry, a price from the book, a quantity, Enter places the order
    await page.goto(`${system.frontendUrl}/trade/${symbol}`);
    await testId('order-book').waitFor();
    await expect.poll(() => testId('order-entry-add-funds').count(), { timeout: 10_000 }).toBe(0);
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    await tabTo(page, 'order-side-buy');
    await tabTo(page, 'order-type', 3);
    await tabTo(page, 'order-price', 3);
    await page.keyboard.type('99.00');
    await tabTo(page, 'order-quantity', 2);
    await page.keyboard.type('5');
    await page.keyboard.press('Enter');
    const openRows = page.locator('[data-testid^="open-order-"]');
    await expect.poll(() => openRows.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => page.locator('[data-testid="book-bid-99.00"]').count(), { timeout: 10_000 }).toBe(1);

    // a price in the book is a button: Tab to it, Enter puts it into the order's price
    await testId('order-price').fill('');
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    await tabTo(page, 'book-pick-99.00');
    await page.keyboard.press('Enter');
    await expect(testId('order-price').inputValue()).resolves.toBe('99.00');

    // another user sells into the buy: a trade, a fill, a notification
    const seller = await api('POST', '/v1/auth/register', undefined, { email: `axe-seller-${Date.now()}@example.com`, password: 'correct-horse-battery' });
    await api('POST', '/v1/admin/credit', admin, { userId: seller.user.id, asset: symbol, amount: '10' });
    const sellerToken = await login(seller.user.email, 'correct-horse-battery');
    await api('POST', '/v1/orders', sellerToken, { symbol, side: 'SELL', type: 'LIMIT', price: '99.00', quantity: '3' });
    await api('POST', '/v1/orders', sellerToken, { symbol, side: 'SELL', type: 'LIMIT', price: '101.00', quantity: '2' });
    await expect.poll(() => page.locator('[data-testid^="tape-"]').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.locator('[data-testid="book-ask-101.00"]').count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => Number((await testId('notifications-count').textContent()) ?? '0'), { timeout: 15_000 }).toBeGreaterThan(0);
    // a refused order shows its error beside the form
    await testId('order-price').fill('99.00');
    await testId('order-quantity').fill('1000000');
    await testId('order-submit').click();
    await testId('order-warning').waitFor();
    await audit(page, 'trade (open order, trade, warning)');
    await testId('tab-history').click();
    await audit(page, 'trade (order history)');
    await testId('tab-trades').click();
    await expect.poll(() => page.locator('[data-testid^="my-trade-"]').count(), { timeout: 10_000 }).toBe(1);
    await audit(page, 'trade (my trades)');
    await page.screenshot({ path: resolve(ARTIFACTS, 'accessible-trade.png') });

    for (const [path, name, ready] of [
      ['/markets', 'markets', 'markets'],
      ['/wallet', 'wallet (funded)', 'transactions'],
      ['/notifications', 'notifications', 'notifications'],
      ['/reports', 'reports', 'pnl'],
      ['/api-keys', 'api keys', 'api-keys-empty'],
      ['/traces', 'traces (not an admin)', null],
      ['/trade/NOPE', 'trade (unknown market)', null],
    ] as const) {
      await page.goto(`${system.frontendUrl}${path}`);
      if (ready) await testId(ready).waitFor();
      else await page.locator('main h2, main h1').first().waitFor();
      await audit(page, name);
    }
    // an API key made: its secret shown once, the key listed
    await page.goto(`${system.frontendUrl}/api-keys`);
    await page.getByLabel('Name').fill('audited bot');
    await page.getByRole('button', { name: 'Create API key' }).click();
    await testId('api-key-new').waitFor();
    await audit(page, 'api keys (a key made)');
    await context.close();

    // an admin's pages: the markets with the demo's quotes, a market's trade page, the traces
    const adminContext = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
    const adminPage = await adminContext.newPage();
    await adminPage.goto(`${system.frontendUrl}/login`);
    await adminPage.getByTestId('login-email').fill('admin@exchange.local');
    await adminPage.getByTestId('login-password').fill('exchange-admin');
    await adminPage.keyboard.press('Enter');
    await adminPage.getByTestId('user-email').waitFor();
    await adminPage.goto(`${system.frontendUrl}/trade/AAPL`);
    await adminPage.getByTestId('order-book').waitFor();
    await expect.poll(async () => (await adminPage.getByTestId('order-book').getAttribute('data-synced')) === 'true', { timeout: 10_000 }).toBe(true);
    await audit(adminPage, 'trade AAPL (admin, demo quotes)');
    await adminPage.getByTestId('order-side-sell').click();
    await audit(adminPage, 'trade AAPL (sell side)');
    await adminPage.goto(`${system.frontendUrl}/traces`);
    await adminPage.locator('main h2').first().waitFor();
    await audit(adminPage, 'traces (admin)');
    await adminPage.goto(`${system.frontendUrl}/traces/0123456789abcdef0123456789abcdef`);
    await adminPage.locator('main [role="alert"]').first().waitFor({ timeout: 15_000 });
    await audit(adminPage, 'trace (none such)');
    // a phone: the menu button and the stacked trade page
    await adminPage.setViewportSize({ width: 390, height: 844 });
    await adminPage.goto(`${system.frontendUrl}/trade/AAPL`);
    await adminPage.getByTestId('order-book').waitFor();
    await audit(adminPage, 'trade AAPL (phone)');
    // stacked, the page reads top to bottom in the order Tab visits it: no control is visited
    // before one drawn above it (the book above the order entry, as in the document)
    const backwards = await adminPage.evaluate(() => {
      const selector = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea, [tabindex="0"]';
      const { document } = globalThis as unknown as { document: { querySelectorAll(selector: string): Iterable<PageElement> } };
      const visited = [...document.querySelectorAll(`main ${selector}`)].filter((element) => element.getClientRects().length > 0);
      const found: string[] = [];
      let lowest = { top: Number.NEGATIVE_INFINITY, name: '' };
      for (const element of visited) {
        const box = element.getBoundingClientRect();
        const name = element.dataset.testid ?? element.getAttribute('aria-label') ?? element.textContent?.trim().slice(0, 30) ?? element.tagName;
        // controls of one row share a line; one drawn wholly above the last visited row's top goes backwards
        if (box.bottom <= lowest.top) found.push(`${name} (top ${Math.round(box.top)}) after ${lowest.name} (top ${Math.round(lowest.top)})`);
        if (box.top > lowest.top) lowest = { top: box.top, name };
      }
      return { found, visited: visited.length };
    });
    expect(backwards.visited).toBeGreaterThan(10);
    expect(backwards.found).toEqual([]);
    await adminContext.close();

    const failing = Object.fromEntries(Object.entries(results).filter(([, found]) => Object.keys(found).length > 0));
    expect(failing).toEqual({});
  });
});
