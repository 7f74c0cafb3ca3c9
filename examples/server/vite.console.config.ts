/**
 * Builds the agent console (console/) into dist/console. The server serves `GET /agent` from
 * dist/console/index.html and `GET /console/*` from dist/console, under a strict CSP: the output must
 * contain no inline script or style.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./console/', import.meta.url)),
  base: '/console/',
  // Read @parlor/core/protocol from its TypeScript source.
  resolve: { conditions: ['@parlor/source', 'module', 'browser', 'development|production'] },
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./dist/console/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    cssMinify: true,
    sourcemap: true,
    assetsDir: 'assets',
    // Nothing inlined as data: URLs; no inline module-preload polyfill (CSP: script-src 'self').
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
