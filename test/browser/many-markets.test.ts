import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, axeViolations, gatewayApi, launchChromium, ROOT } from './support.js';
import { startPrivateSystem, type PrivateSystem, type RunningSystem } from '@exchange/tools';

const MARKETS = 200;
const BATCH = 10;
const symbolOf = (i: number) => `MK${String(i).padStart(3, '0')}`;
/** one market with a name unlike the others, to be found by a word of it */
const NAMED = 137;
const nameOf = (i: number) => (i === NAMED ? 'Zephyr Quantum Robotics' : `Many Markets Holding ${String(i).padStart(3, '0')}`);

/**
 * Two hundred markets listed by the admin through the public API, on a whole private system with
 * its front end, in Debian's Chromium: the top bar's picker finds a market by name and by symbol
 * and opens it, favourites and recent markets outlast a reload, the markets page sorts by 24h
 * change and volume, and axe-core finds no WCAG 2.0/2.1 A/AA violation with the picker open or on
 * the sorted page.
 */
describe('many markets in the front end, in a real browser', () => {
  let exchange: PrivateSystem;
  let system: RunningSystem;
  let browser: Browser;
  let gateway: string;
  const logs: string[] = [];
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    const started = Date.now();
    exchange = await startPrivateSystem(ROOT, {
      seedAdmin: true,
      withFrontend: true,
      env: { OTEL_SDK_DISABLED: 'true' },
      output: (line) => logs.push(line),
    });
    system = exchange.system;
    gateway = exchange.gateway;
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
    timings.startSystemMs = Date.now() - started;
  });

  afterAll(async () => {
    writeFileSync(resolve(ARTIFACTS, 'many-markets-timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
    await browser?.close();
    await exchange?.stop();
  });

  const { api, login } = gatewayApi(() => gateway);

  const audit = axeViolations;

  it('lists 200 markets; the picker finds, opens and remembers them; the markets page sorts; no axe violation', async () => {
    const admin = await login('admin@exchange.local', 'exchange-admin');

    // 200 markets, BATCH at a time
    let started = Date.now();
    for (let from = 0; from < MARKETS; from += BATCH) {
      await Promise.all(
        Array.from({ length: Math.min(BATCH, MARKETS - from) }, (_, k) =>
          api('POST', '/v1/admin/markets', admin, {
            symbol: symbolOf(from + k),
            name: nameOf(from + k),
            tickSize: '0.01',
            lotSize: '1',
            referencePrice: '100.00',
            makerFeeBps: 0,
            takerFeeBps: 10,
          }),
        ),
      );
    }
    timings.createMarketsMs = Date.now() - started;
    // the 200, beside the demo markets the launcher lists
    const listed: string[] = (await api('GET', '/v1/markets')).items.map((market: { symbol: string }) => market.symbol);
    expect(listed.filter((symbol) => symbol.startsWith('MK'))).toHaveLength(MARKETS);
    const total = listed.length;

    // trades in three markets, for 24h volume and change to sort by:
    // MK001 2 shares, +8.00 %; MK002 15 shares, −5.00 %; MK003 3 shares, 0.00 %
    started = Date.now();
    const password = 'correct-horse-battery';
    const stamp = Date.now().toString(36);
    const seller = (await api('POST', '/v1/auth/register', undefined, { email: `seller-${stamp}@example.com`, password })).user;
    const buyer = (await api('POST', '/v1/auth/register', undefined, { email: `buyer-${stamp}@example.com`, password })).user;
    const sellerToken = await login(seller.email, password);
    const buyerToken = await login(buyer.email, password);
    await api('POST', '/v1/wallet/add-funds', buyerToken, { amount: '100000' });
    const shares: Record<string, string> = { MK001: '2', MK002: '15', MK003: '3' };
    for (const [asset, amount] of Object.entries(shares)) await api('POST', '/v1/admin/credit', admin, { userId: seller.id, asset, amount });
    const trade = async (symbol: string, price: string, quantity: string) => {
      await api('POST', '/v1/orders', sellerToken, { symbol, side: 'SELL', type: 'LIMIT', price, quantity });
      await api('POST', '/v1/orders', buyerToken, { symbol, side: 'BUY', type: 'LIMIT', price, quantity });
    };
    await trade('MK001', '100.00', '1');
    await trade('MK001', '108.00', '1');
    await trade('MK002', '100.00', '10');
    await trade('MK002', '95.00', '5');
    await trade('MK003', '100.00', '3');
    const expected: Record<string, [string, string]> = { MK001: ['2', '8.00'], MK002: ['15', '-5.00'], MK003: ['3', '0.00'] };
    for (const [symbol, [volume, change]] of Object.entries(expected)) {
      await expect
        .poll(
          async () => {
            const ticker = await api('GET', `/v1/markets/${symbol}/ticker`);
            return [Number(ticker.volume24h), ticker.changePct24h === null ? null : Number(ticker.changePct24h)];
          },
          { timeout: 15_000 },
        )
        .toEqual([Number(volume), Number(change)]);
    }
    timings.tradesMs = Date.now() - started;

    // the buyer in the browser
    started = Date.now();
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const testId = (id: string) => page.getByTestId(id);
    // every request the page makes, to count the tickers
    const requests: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(gateway)) requests.push(new URL(request.url()).pathname);
    });
    await page.goto(`${system.frontendUrl}/login`);
    await testId('login-email').fill(buyer.email);
    await testId('login-password').fill(password);
    await testId('login-submit').click();
    await testId('user-email').waitFor();

    // the top bar has no tab per market any more: one picker
    expect(await page.locator('[data-testid^="nav-trade-"]').count()).toBe(0);
    await testId('market-picker').click();
    const dialog = page.getByRole('dialog', { name: 'Choose a market' });
    await dialog.waitFor();
    await expect.poll(() => dialog.locator('[data-testid^="picker-link-"]').count()).toBeGreaterThan(0);
    // at most 50 rows drawn of 200, the rest reached by a search
    expect(await dialog.locator('[data-testid^="picker-link-"]').count()).toBe(50);
    await expect(testId('picker-more').textContent()).resolves.toContain(`${total - 50} more`);
    const violationsOpen = await audit(page);
    await page.screenshot({ path: resolve(ARTIFACTS, 'market-picker.png') });

    // by a word of the name, either case: typed into the focused search box, Enter opens the match
    await expect.poll(() => page.evaluate(() => (globalThis as any).document.activeElement?.dataset?.testid)).toBe('market-picker-search');
    await page.keyboard.type('QUANTUM');
    await expect.poll(() => dialog.locator('[data-testid^="picker-link-"]').count()).toBe(1);
    await expect(dialog.getByTestId(`picker-link-${symbolOf(NAMED)}`).isVisible()).resolves.toBe(true);
    const violationsSearched = await audit(page);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/trade/${symbolOf(NAMED)}`);
    await testId('order-book').waitFor();
    await expect(testId('market-picker-current').textContent()).resolves.toBe(symbolOf(NAMED));

    // by symbol, lower case: Down to the first match and Enter
    await testId('market-picker').click();
    // typed keys go where the focus is: the search box takes it once the dialog is drawn
    await expect.poll(() => page.evaluate(() => (globalThis as any).document.activeElement?.dataset?.testid)).toBe('market-picker-search');
    await page.keyboard.type('mk04');
    await expect.poll(() => dialog.locator('[data-testid^="picker-link-"]').count()).toBe(10);
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.evaluate(() => (globalThis as any).document.activeElement?.dataset?.testid)).toBe('picker-link-MK040');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/trade/MK041');
    await testId('order-book').waitFor();

    // Escape closes it and gives the focus back to the button
    await testId('market-picker').click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    await expect.poll(() => page.evaluate(() => (globalThis as any).document.activeElement?.dataset?.testid)).toBe('market-picker');

    // a favourite, by its star
    await testId('market-picker').click();
    await expect.poll(() => page.evaluate(() => (globalThis as any).document.activeElement?.dataset?.testid)).toBe('market-picker-search');
    await page.keyboard.type('MK150');
    await dialog.getByTestId('picker-star-MK150').click();
    await expect(dialog.getByTestId('picker-star-MK150').getAttribute('aria-pressed')).resolves.toBe('true');
    await page.keyboard.press('Escape');

    // after a reload: the favourite and the recent markets, latest first
    await page.reload();
    await testId('user-email').waitFor();
    await testId('market-picker').click();
    await expect.poll(() => testId('picker-favourites').locator('[data-testid^="picker-link-"]').allTextContents()).toEqual([expect.stringContaining('MK150')]);
    const recent = await testId('picker-recent')
      .locator('[data-testid^="picker-link-"]')
      .evaluateAll((links) => links.map((link) => link.getAttribute('data-testid')));
    expect(recent).toEqual(['picker-link-MK041', `picker-link-${symbolOf(NAMED)}`]);
    const violationsRecent = await audit(page);
    await page.keyboard.press('Escape');
    timings.pickerMs = Date.now() - started;

    // the markets page: every ticker in one request, none per market
    started = Date.now();
    requests.length = 0;
    const perMarketTickers = () => requests.filter((path) => path.endsWith('/ticker')).length;
    const allTickers = () => requests.filter((path) => path === '/v1/tickers').length;
    await page.goto(`${system.frontendUrl}/markets`);
    await testId('markets-table').waitFor();
    await expect.poll(() => page.locator('[data-testid^="market-row-"]').count()).toBe(25);
    await page.waitForLoadState('networkidle').catch(() => {});
    expect({ perMarket: perMarketTickers(), all: allTickers() }).toEqual({ perMarket: 0, all: 1 });
    timings.tickerRequestsOnePage = perMarketTickers() + allTickers();

    const rows = () =>
      page
        .locator('[data-testid^="market-row-"]')
        .evaluateAll((all) => all.slice(0, 3).map((row) => row.getAttribute('data-testid')!.replace('market-row-', '')));
    const sortState = (key: string) => page.getByTestId(`sort-${key}`).locator('xpath=..').getAttribute('aria-sort');

    // by 24h change, biggest first; the markets without a trade after those with one
    await testId('sort-change').click();
    await expect(sortState('change')).resolves.toBe('descending');
    await expect(sortState('symbol')).resolves.toBeNull();
    await expect.poll(rows, { timeout: 30_000 }).toEqual(['MK001', 'MK003', 'MK002']);
    await expect(testId('market-change-MK001').textContent()).resolves.toBe('+8.00%');
    const violationsSorted = await audit(page);
    await page.screenshot({ path: resolve(ARTIFACTS, 'markets-sorted.png') });
    // the other way: the biggest fall first
    await testId('sort-change').press('Enter');
    await expect(sortState('change')).resolves.toBe('ascending');
    await expect.poll(rows).toEqual(['MK002', 'MK003', 'MK001']);

    // by 24h volume, biggest first, from the keyboard
    await testId('sort-volume').focus();
    await page.keyboard.press('Enter');
    await expect(sortState('volume')).resolves.toBe('descending');
    await expect.poll(rows).toEqual(['MK002', 'MK003', 'MK001']);
    await page.keyboard.press('Space');
    await expect(sortState('volume')).resolves.toBe('ascending');
    // every market but three traded nothing: those come first going up, by symbol
    await expect.poll(rows).toEqual(
      [...listed]
        .sort()
        .filter((symbol) => !['MK001', 'MK002', 'MK003'].includes(symbol))
        .slice(0, 3),
    );
    const violationsVolume = await audit(page);

    // the same search as the picker's
    await testId('markets-search').fill('quantum');
    await expect.poll(() => page.locator('[data-testid^="market-row-"]').count()).toBe(1);
    await testId(`market-row-${symbolOf(NAMED)}`).waitFor();
    timings.marketsPageMs = Date.now() - started;
    // no ticker of one market ever, and GET /v1/tickers only once per refresh interval (10 s), never per sort
    timings.tickerRequestsMarketsPage = perMarketTickers() + allTickers();
    expect(perMarketTickers()).toBe(0);
    expect(allTickers()).toBeLessThanOrEqual(1 + Math.ceil((Date.now() - started) / 10_000));

    // a phone: the open picker fits the screen
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${system.frontendUrl}/markets`);
    await testId('market-picker').click();
    await dialog.waitFor();
    const box = await dialog.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    const violationsPhone = await audit(page);
    await page.screenshot({ path: resolve(ARTIFACTS, 'market-picker-phone.png') });
    await context.close();

    expect({ violationsOpen, violationsSearched, violationsRecent, violationsSorted, violationsVolume, violationsPhone }).toEqual({
      violationsOpen: {},
      violationsSearched: {},
      violationsRecent: {},
      violationsSorted: {},
      violationsVolume: {},
      violationsPhone: {},
    });
  });
});
