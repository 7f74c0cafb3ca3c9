// The example reads @parlor/react (and what it builds on) from source, through the workspace's shared settings.
// `base: './'` makes dist/ work from any path (the end-to-end tests serve it under a prefix of their own).
import { defineConfig, mergeConfig, type UserConfig } from 'vite';
import { shared } from '../../vite.config.ts';

export default defineConfig(
  mergeConfig(shared, {
    root: new URL('.', import.meta.url).pathname,
    base: './',
    server: { port: 5173, strictPort: true },
    build: {
      outDir: 'dist',
      rolldownOptions: {
        // An app's bundle drops the 'use client' directives of @parlor/react, as it should: they matter only to
        // frameworks with server components.
        onLog(level, log, handler) {
          if (log.code !== 'MODULE_LEVEL_DIRECTIVE') handler(level, log);
        },
      },
    },
  } satisfies UserConfig),
);
