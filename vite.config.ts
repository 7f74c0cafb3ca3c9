/**
 * Shared Vite settings for every library package in the workspace.
 *
 * Packages extend this with `library(import.meta.url, entries)` from their own `vite.config.ts`:
 * ESM output, one file per source module, every dependency and peer dependency left external (npm consumers
 * bundle them once), no minification (consumers minify), source maps on. The CDN builds of the widget
 * and the Shopify loader bundle everything instead; they set that up in their own config files.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig, type UserConfig } from 'vite';

/** Settings every build in the workspace shares. */
export const shared: UserConfig = {
  // Read workspace packages from `src` while developing; published builds resolve `dist`.
  resolve: { conditions: ['@parlor/source', 'module', 'browser', 'default'] },
  build: { target: 'es2022', sourcemap: true, reportCompressedSize: false, emptyOutDir: true },
  logLevel: 'warn',
};

interface PackageJson {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/**
 * Builds the Vite config of a library package.
 *
 * @param packageUrl - `import.meta.url` of the package's `vite.config.ts`.
 * @param entry - entry name → source path, relative to the package root.
 * @param extra - package-specific settings merged over the shared ones.
 */
export function library(packageUrl: string, entry: Record<string, string>, extra: UserConfig = {}): UserConfig {
  const root = fileURLToPath(new URL('.', packageUrl));
  const pkg = JSON.parse(readFileSync(new URL('package.json', packageUrl), 'utf8')) as PackageJson;
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
  const external = (id: string) => deps.some((dep) => id === dep || id.startsWith(`${dep}/`)) || id.startsWith('node:');
  return mergeConfig(
    mergeConfig(shared, {
      root,
      build: {
        outDir: 'dist',
        minify: false,
        lib: { entry, formats: ['es'] },
        // One output file per source module, so an app's bundler drops what it does not import (with
        // `sideEffects: false`, whole modules such as the agent protocol disappear).
        rolldownOptions: {
          external,
          output: { preserveModules: true, preserveModulesRoot: 'src', entryFileNames: '[name].js' },
        },
      },
    } satisfies UserConfig),
    extra,
  );
}

export default defineConfig(shared);
