import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

// `vite` serves on port 3000 with HMR; `vite build` writes frontend/dist.
// public/config.js is the default runtime configuration; the launcher serves its own /config.js.
export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: { port: 3000, strictPort: true, host: '127.0.0.1' },
  preview: { port: 3000, strictPort: true, host: '127.0.0.1' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
