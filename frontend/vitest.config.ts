import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { workspaceSources } from './workspace-sources';

// The front end's unit and component tests (pure lib modules and React components in happy-dom).
// The root vitest.config.mts can run them as a project: { extends: './frontend/vitest.config.ts', test: { name: 'frontend', root: './frontend' } }
export default defineConfig({
  plugins: [react()],
  resolve: { alias: workspaceSources },
  test: {
    name: 'frontend',
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
