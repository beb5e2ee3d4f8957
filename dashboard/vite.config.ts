/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pagePaths } from './src/app/pagePaths';

/** Writes dist/pages.json, the paths of src/app/pages.tsx: the browser tests (e2e/pages.spec.mjs) visit each. */
function pageList(): Plugin {
  return {
    name: 'waqtor-page-list',
    apply: 'build',
    generateBundle() {
      const source = readFileSync(fileURLToPath(new URL('./src/app/pages.tsx', import.meta.url)), 'utf8');
      this.emitFile({ type: 'asset', fileName: 'pages.json', source: JSON.stringify({ paths: pagePaths(source) }) + '\n' });
    },
  };
}

// `npm run dev` serves the dashboard on :5173 and proxies the API to a standalone WaQtor on :8080 (`make run`).
export default defineConfig({
  plugins: [react(), pageList()],
  resolve: {
    alias: {
      '@': fileURLToPath(new URL('./src', import.meta.url)),
      // The live feed's client is its own package (sdk/realtime-ts), used from source: no npm dependency to install.
      '@waqtor/realtime': fileURLToPath(new URL('../sdk/realtime-ts/src/index.ts', import.meta.url)),
    },
  },
  server: {
    proxy: {
      '/api': 'http://localhost:8080',
      '/healthz': 'http://localhost:8080',
      '/config.json': 'http://localhost:8080',
      '/ws': { target: 'ws://localhost:8080', ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['src/testing/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
  },
});
