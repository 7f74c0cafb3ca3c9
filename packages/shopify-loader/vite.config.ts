/** Builds the storefront script `dist/parlor-shopify.js`: one minified classic script, nothing external. */
import { defineConfig, mergeConfig } from 'vite';
import { shared } from '../../vite.config.ts';

export default defineConfig(
  mergeConfig(shared, {
    root: new URL('.', import.meta.url).pathname,
    build: {
      outDir: 'dist',
      minify: true,
      lib: { entry: { 'parlor-shopify': 'src/parlor-shopify.ts' }, formats: ['iife'], name: 'ParlorShopify' },
      rolldownOptions: { output: { entryFileNames: '[name].js' } },
    },
  }),
);
