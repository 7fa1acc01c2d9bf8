import { resolve } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';

export const ROOT = resolve(__dirname, '..', '..');
/** where the browser tests leave their screenshots */
export const ARTIFACTS = resolve(ROOT, 'test-artifacts');

/** Debian's Chromium (or CHROMIUM_PATH), headless, without the background traffic a browser makes on its own; one that is not there fails loudly. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** The WCAG 2.0 and 2.1 levels A and AA, every rule of them (none disabled). */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** One page's axe-core violations: rule id → how many elements break it, with a few of them to look at. */
export type PageViolations = Record<string, { count: number; impact: string | null | undefined; targets: string[] }>;

/** axe-core on the page as it is now (after its requests settled: no colour measured half-way through a transition). */
export async function axeViolations(page: Page): Promise<PageViolations> {
  await page.waitForLoadState('networkidle').catch(() => {});
  const answer = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const found: PageViolations = {};
  for (const violation of answer.violations) {
    found[violation.id] = {
      count: violation.nodes.length,
      impact: violation.impact,
      targets: violation.nodes.slice(0, 5).map((node) => `${node.target.join(' ')}: ${node.failureSummary ?? ''}`.replace(/\s+/g, ' ')),
    };
  }
  return found;
}

/** The gateway's JSON API for a test's setup (anything but 2xx throws), and a log-in that gives the access token. */
export function gatewayApi(gateway: () => string) {
  async function api(method: string, path: string, token?: string, body?: unknown): Promise<any> {
    const response = await fetch(`${gateway()}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
  const login = async (email: string, password: string) => (await api('POST', '/v1/auth/login', undefined, { email, password })).accessToken as string;
  return { api, login };
}
