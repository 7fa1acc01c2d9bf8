import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium, ROOT } from './support.js';
import { startPrivateSystem, type PrivateSystem } from '@exchange/tools';

/**
 * The front end's own trace pages (the Jaeger built from its Go module has no web UI) in Debian's
 * Chromium, against a whole system exporting its spans to a real Jaeger that the gateway reads.
 */
describe('trace pages in a real browser, reading a real Jaeger', () => {
  let exchange: PrivateSystem;
  let browser: Browser;
  const logs: string[] = [];

  beforeAll(async () => {
    exchange = await startPrivateSystem(ROOT, {
      seedAdmin: true,
      withFrontend: true,
      withObservability: { jaeger: true, prometheus: false },
      env: { OTEL_BSP_SCHEDULE_DELAY: '100' },
      output: (line) => logs.push(line),
    });
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await exchange?.stop();
  });

  const frontend = () => exchange.system.frontendUrl!;

  async function signIn(page: Page, email: string, password: string) {
    await page.goto(frontend());
    await page.getByTestId('login-email').fill(email);
    await page.getByTestId('login-password').fill(password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('user-email').waitFor();
  }

  function watchCsp(page: Page): string[] {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    return violations;
  }

  it('an admin lists recent and slowest traces of a service and opens one as a waterfall with its spans and their details', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const violations = watchCsp(page);
    await signIn(page, 'admin@exchange.local', 'exchange-admin');
    await page.getByTestId('nav-traces').click();
    // the admin's own sign-in is a trace of the gateway by now (the list refreshes every 5 s)
    const rows = page.locator('[data-testid^="trace-row-"]');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.getByTestId('traces-slowest').click();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.getByTestId('trace-open').first().click();
    await page.waitForURL(/\/traces\/[0-9a-f]{32}$/);
    await page.getByTestId('trace-waterfall').locator('canvas').first().waitFor();
    const spans = page.locator('[data-testid="trace-spans"] li');
    await expect.poll(() => spans.count(), { timeout: 10_000 }).toBeGreaterThan(1);
    // the first span is the gateway's request; choosing another shows its own details
    await expect(spans.first().textContent()).resolves.toContain('client-gateway');
    await spans.nth(1).locator('button').click();
    await expect(page.getByTestId('span-details').textContent()).resolves.not.toEqual('');
    await page.screenshot({ path: resolve(ARTIFACTS, 'trace.png'), fullPage: true });
    expect(violations).toEqual([]);
    await context.close();
  });

  it("a user opens the trace of their own failed request, with the refusal's code on the step that refused; someone else's is not found", async () => {
    const gateway = exchange.gateway;
    const register = async (email: string) => {
      const response = await fetch(`${gateway}/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'correct-horse-battery' }),
      });
      expect(response.status).toBe(201);
      const login = await fetch(`${gateway}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'correct-horse-battery' }),
      });
      return ((await login.json()) as { accessToken: string }).accessToken;
    };
    const email = `tracer-${Date.now()}@example.com`;
    const token = await register(email);
    // a buy far from the market's reference price: refused by the risk manager, 422 RISK_REJECTED, with the request's trace id
    const refused = await fetch(`${gateway}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ symbol: 'AAPL', side: 'BUY', type: 'LIMIT', price: '1.00', quantity: '1' }),
    });
    expect(refused.status).toBe(422);
    const refusal = (await refused.json()) as { error: { traceId: string; code: string } };
    expect(refusal.error.code).toBe('RISK_REJECTED');
    const traceId = refusal.error.traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const violations = watchCsp(page);
    await signIn(page, email, 'correct-horse-battery');
    await page.goto(`${frontend()}/traces/${traceId}`);
    const spans = page.locator('[data-testid="trace-spans"] li');
    // each process exports on its own schedule: refresh until the risk manager's part has arrived
    await expect
      .poll(
        async () => {
          if ((await spans.count()) > 0) await page.getByRole('button', { name: 'Refresh' }).click();
          return (await spans.allTextContents()).some((name) => name.includes('risk-manager: risk validation'));
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    expect((await spans.allTextContents()).some((name) => name.includes('order-manager'))).toBe(true);
    // the refusal's code is on the span of the step that refused
    const codes: string[] = [];
    for (let index = 0; index < (await spans.count()); index++) {
      await spans.nth(index).locator('button').click();
      const details = (await page.getByTestId('span-details').textContent()) ?? '';
      if (details.includes('RISK_REJECTED')) codes.push(details);
    }
    expect(codes.length).toBeGreaterThan(0);
    // a user who lists traces is told it is an admin's view
    await page.goto(`${frontend()}/traces`);
    await page.getByText('Listing traces is for admins').waitFor();
    expect(violations).toEqual([]);
    await context.close();

    const stranger = await register(`stranger-${Date.now()}@example.com`);
    const foreign = await fetch(`${gateway}/v1/traces/${traceId}`, { headers: { authorization: `Bearer ${stranger}` } });
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe('TRACE_NOT_FOUND');
    const list = await fetch(`${gateway}/v1/admin/traces`, { headers: { authorization: `Bearer ${stranger}` } });
    expect(list.status).toBe(404);
  });
});
