import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';
import { workspaceSources } from './workspace-sources';

// `vite` serves on port 3000 with HMR; `vite build` writes frontend/dist.
// public/config.js is the default runtime configuration of `vite` (dev); the front end's server makes its own /config.js.
export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: { alias: workspaceSources },
  server: { port: 3000, strictPort: true, host: '127.0.0.1' },
  preview: { port: 3000, strictPort: true, host: '127.0.0.1' },
  // no source maps in the build: the app's sources are not published (FRONTEND_SOURCEMAPS=true for debugging)
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: process.env.FRONTEND_SOURCEMAPS === 'true' },
});
