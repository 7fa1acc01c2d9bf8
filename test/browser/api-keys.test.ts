import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExchangeClient, ExchangeApiError } from '@exchange/client';
import { apiKeySigner } from '@exchange/client/signing';
import { ARTIFACTS, launchChromium, ROOT } from './support.js';
import { startPrivateSystem, type PrivateSystem, type RunningSystem } from '@exchange/tools';

/**
 * A user makes an API key for a bot in the front end (Debian's Chromium, the whole system started
 * by the launcher), the bot signs a request with it, and the key, once revoked, is refused.
 */
describe('API keys in the front end, in a real browser', () => {
  let exchange: PrivateSystem;
  let system: RunningSystem;
  let browser: Browser;
  const logs: string[] = [];

  beforeAll(async () => {
    exchange = await startPrivateSystem(ROOT, { withFrontend: true, env: { OTEL_SDK_DISABLED: 'true' }, output: (line) => logs.push(line) });
    system = exchange.system;
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await exchange?.stop();
  });

  it('sign up → create an HMAC key (read, trade) → its secret shown once signs a request → listed with its last use after a reload → revoked: refused', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const testId = (id: string) => page.getByTestId(id);
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });

    // sign up (which signs in), then the API keys page from the navigation
    const email = `api-keys-${Date.now()}@example.com`;
    await page.goto(system.frontendUrl!);
    await testId('register-link').click();
    await testId('register-email').fill(email);
    await testId('register-password').fill('correct-horse-battery');
    await testId('register-submit').click();
    await page.waitForURL('**/wallet');
    await testId('nav-api-keys').click();
    await page.waitForURL('**/api-keys');
    await expect.poll(() => testId('api-keys-empty').textContent(), { timeout: 10_000 }).toContain('No API keys yet');

    // an HMAC key that may read and trade
    await page.getByLabel('Name').fill('browser bot');
    await expect(page.getByLabel(/^Read/).isChecked()).resolves.toBe(true);
    await page.getByLabel(/^Trade/).check();
    await page.getByRole('button', { name: 'Create API key' }).click();
    const created = testId('api-key-new');
    await created.waitFor();
    await expect(created.textContent()).resolves.toContain('it will not be shown again');
    const keyId = await testId('api-key-new-id').inputValue();
    const secret = await testId('api-key-new-secret').inputValue();
    expect(keyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const row = testId(`api-key-row-${keyId}`);
    await row.waitFor();
    await expect(testId(`api-key-status-${keyId}`).textContent()).resolves.toBe('Active');
    await expect(row.textContent()).resolves.toContain('read, trade');
    await expect(testId(`api-key-last-used-${keyId}`).textContent()).resolves.toBe('never');
    await page.screenshot({ path: resolve(ARTIFACTS, 'api-key-created.png'), fullPage: true });

    // the secret works: a request signed with it (here, in Node) is the user's
    const bot = createExchangeClient({ baseUrl: exchange.gateway, signer: apiKeySigner({ keyId, secret }) });
    const me = await bot.me();
    expect(me.user.email).toBe(email);

    // after a reload the secret is gone for good; the key is listed with its last use (time and address)
    await page.reload();
    await row.waitFor();
    expect(await created.count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    await expect.poll(() => testId(`api-key-last-used-${keyId}`).textContent(), { timeout: 10_000 }).toMatch(/from \S+/);
    await expect(testId(`api-key-last-used-${keyId}`).textContent()).resolves.not.toContain('never');

    // revoke, confirmed
    await page.getByRole('button', { name: 'Revoke browser bot' }).click();
    await page.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect.poll(() => testId(`api-key-status-${keyId}`).textContent(), { timeout: 10_000 }).toBe('Revoked');
    await page.screenshot({ path: resolve(ARTIFACTS, 'api-key-revoked.png'), fullPage: true });

    // the same signed request is refused now
    const refusal = await bot.me().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ExchangeApiError);
    expect(refusal).toMatchObject({ status: 401, code: 'API_KEY_REVOKED' });

    await context.close();
    expect(violations).toEqual([]);
  });
});
