/**
 * The CDN build, `dist/cdn/`: everything bundled, minified, nothing else needed on the page.
 *
 * Two passes. First the lazy panel chunk (an ES module, content-hashed so a CDN can cache it forever);
 * then the eager `parlor.js` (a classic script with a stable name) that learns the chunk's file name
 * from the first pass and loads it from beside itself.
 */
import { readFileSync } from 'node:fs';
import { build, defineConfig, mergeConfig, type Plugin, type Rolldown, type UserConfig } from 'vite';
import { shared } from '../../vite.config.ts';

const root = new URL('.', import.meta.url).pathname;
const outDir = 'dist/cdn';
const { version } = JSON.parse(readFileSync(new URL('package.json', import.meta.url), 'utf8')) as { version: string };

const common: UserConfig = mergeConfig(shared, {
  root,
  configFile: false,
  build: { outDir, sourcemap: true, minify: true },
});

async function buildPanel(): Promise<string> {
  const result = await build(
    mergeConfig(common, {
      build: {
        emptyOutDir: true,
        lib: { entry: { 'parlor-panel': 'src/cdn/panel.ts' }, formats: ['es'] },
        rolldownOptions: {
          output: {
            entryFileNames: '[name].[hash].js',
            // The client's chunk is named for what it is, not for the module that happens to start it.
            chunkFileNames: (chunk) =>
              chunk.moduleIds.some((id) => id.endsWith('/panel/client-chunk.ts'))
                ? 'parlor-client.[hash].js'
                : 'parlor-[name].[hash].js',
            minify: true,
          },
        },
      },
    } satisfies UserConfig),
  );
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const entry = outputs.flatMap((o) => o.output).find((c) => c.type === 'chunk' && c.isEntry);
  if (!entry) throw new Error('CDN build: the panel chunk was not emitted');
  return entry.fileName;
}

/**
 * The eager script must not bundle the panel: `<parlor-chat>`'s npm default loader (`import('../panel/define.js')`)
 * is left as an unused external import, and `parlor.js` points the loader at the hashed chunk instead.
 */
const panelStaysLazy: Plugin = {
  name: 'parlor-panel-stays-lazy',
  enforce: 'pre',
  resolveId(source) {
    return source.endsWith('/panel/define.js') ? { id: source, external: true } : null;
  },
};

export default defineConfig(async () => {
  const panel = await buildPanel();
  return mergeConfig(common, {
    plugins: [panelStaysLazy],
    define: { __PARLOR_PANEL__: JSON.stringify(`./${panel}`), __PARLOR_VERSION__: JSON.stringify(version) },
    build: {
      emptyOutDir: false,
      lib: { entry: { parlor: 'src/cdn/parlor.ts' }, formats: ['iife'], name: 'ParlorLoader' },
      rolldownOptions: {
        output: {
          entryFileNames: '[name].js',
          minify: true,
          // Everything in the eager script runs as the page loads: the hint has the browser compile it all while
          // streaming it in, off the main thread, instead of one function at a time on first call.
          postBanner: '//# allFunctionsCalledOnLoad',
        },
      },
    },
  } satisfies UserConfig);
});
