import { resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

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
