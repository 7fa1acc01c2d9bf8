import { defineConfig } from 'vitest/config';

// Three tiers, all run by `npm test`:
//  unit        pure logic beside the code (src/**/*.test.ts)
//  integration real PostgreSQL and Redis, a fresh database per run (*/test/**/*.test.ts)
//  e2e         the whole system started by the launcher, requests through the gateway (test/e2e)
//  frontend    the React app's logic and components (frontend/src, happy-dom)
//  browser     real Chromium against the whole system and its front end (test/browser)
export default defineConfig({
  test: {
    reporters: ['default', './tools/vitest-summary-reporter.mjs'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'tools/src/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'tools/test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      { extends: './frontend/vitest.config.ts', test: { name: 'frontend', root: './frontend', environment: 'happy-dom', include: ['src/**/*.test.{ts,tsx}'] } },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // one system, many files: run them one after another on this 2-core machine
          fileParallelism: false,
        },
      },
    ],
  },
});
