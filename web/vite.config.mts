import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/** The organizer console: built by `npm run build` into dist/console, served by the api at /console. */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  build: {
    outDir: resolve(import.meta.dirname, '../dist/console'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // No inline scripts (the CSP allows only 'self'): Vite's module preload polyfill is the one it would inline.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 400,
    rolldownOptions: {
      // React Query marks its modules "use client" (for server components); meaningless in a client-only bundle.
      onLog(level, log, handler) {
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
    },
  },
  oxc: { jsx: { runtime: 'automatic' } },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
