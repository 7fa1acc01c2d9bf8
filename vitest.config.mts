import { defineConfig } from 'vitest/config';

// The tiers, all run by `npm test`:
//  static      formatting, lint, types (front end and tests included) and layer boundaries; runs first
//  unit        pure logic beside the code (src/**/*.test.ts)
//  integration real PostgreSQL and Redis, a fresh database per run (*/test/**/*.test.ts)
//  e2e         the whole system started by the launcher, requests through the gateway (test/e2e)
//  frontend    the React app's logic and components (frontend/src, happy-dom)
//  browser     real Chromium against the whole system and its front end (test/browser)
// The workspace packages' built output is loaded by Node itself, as in production: one module
// instance per file, whether a test reaches it through a package's main entry or a subpath (else
// `instanceof AppError` would see two AppError classes). Every Node-side project gets it.
const nodeDeps = { server: { deps: { external: [/\/packages\/[^/]+\/dist\//] } } };

export default defineConfig({
  test: {
    reporters: ['default', './tools/vitest-summary-reporter.mjs'],
    projects: [
      {
        test: {
          ...nodeDeps,
          name: 'static',
          include: ['test/static/**/*.test.ts'],
          testTimeout: 300_000,
          // a group of its own, before every other tier: a broken build or boundary shows at once
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...nodeDeps,
          name: 'unit',
          sequence: { groupOrder: 1 },
          include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'tools/src/**/*.test.ts'],
        },
      },
      {
        test: {
          ...nodeDeps,
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'tools/test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: './frontend/vitest.config.ts',
        test: {
          name: 'frontend',
          root: './frontend',
          environment: 'happy-dom',
          include: ['src/**/*.test.{ts,tsx}'],
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          ...nodeDeps,
          name: 'browser',
          sequence: { groupOrder: 1 },
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          ...nodeDeps,
          name: 'e2e',
          sequence: { groupOrder: 1 },
          include: ['test/e2e/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
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
