// A web-test-runner plugin that serves React to browser tests. React ships CommonJS only, which a browser cannot
// import: the modules tests use are bundled once into one ES module (one React instance for react-dom and the
// tests), in development mode so React's warnings show, and each bare import gets a facade with named exports.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';

const require = createRequire(new URL('../package.json', import.meta.url));
const PREFIX = '/__react/';

/**
 * Specifier → the name it has in the bundle; their export names come from the CommonJS modules themselves.
 * @type {Record<string, string>}
 */
const MODULES = {
  react: 'React',
  'react/jsx-runtime': 'JsxRuntime',
  'react-dom': 'ReactDom',
  'react-dom/client': 'ReactDomClient',
  'react-dom/server': 'ReactDomServer',
};
/**
 * Where each one's browser build lives (react-dom/server's browser entry renders without Node streams).
 * @type {Record<string, string>}
 */
const FILES = { 'react-dom/server': 'react-dom/server.browser' };

/** @type {Promise<string> | undefined} */
let bundle;
/** @type {Record<string, string[]> | undefined} */
let exportNames;

/**
 * The export names of each module, read in a child process: loading React's development build here would patch
 * the console of the test runner itself. The child exits explicitly (react-dom's server build keeps a channel open).
 */
function namesOf(/** @type {string} */ spec) {
  exportNames ??= JSON.parse(
    execFileSync(process.execPath, [
      '-e',
      `const r = require('node:module').createRequire(${JSON.stringify(require.resolve('react'))});
       const files = ${JSON.stringify(Object.keys(MODULES).map((s) => [s, require.resolve(FILES[s] ?? s)]))};
       process.stdout.write(JSON.stringify(Object.fromEntries(files.map(([s, f]) => [s, Object.keys(r(f))]))));
       process.exit(0);`,
    ]).toString(),
  );
  return (exportNames?.[spec] ?? []).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k));
}

function bundled() {
  const entry = Object.entries(MODULES)
    .map(([spec, name]) => `import ${name} from ${JSON.stringify(require.resolve(FILES[spec] ?? spec))};`)
    .concat(`export { ${Object.values(MODULES).join(', ')} };`)
    .join('\n');
  const file = join(mkdtempSync(join(tmpdir(), 'parlor-react-')), 'entry.js');
  writeFileSync(file, entry);
  bundle ??= build({
    configFile: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"development"' },
    build: { write: false, minify: false, lib: { entry: file, formats: ['es'], fileName: 'react' } },
  }).then((result) => /** @type {any} */ (Array.isArray(result) ? result[0] : result).output[0].code);
  return bundle;
}

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function reactEsmPlugin() {
  return {
    name: 'react-esm',
    resolveImport({ source }) {
      return source in MODULES ? `${PREFIX}${encodeURIComponent(source)}.js` : undefined;
    },
    async serve(context) {
      if (!context.path.startsWith(PREFIX)) return undefined;
      if (context.path === `${PREFIX}bundle.js`) return { body: await bundled(), type: 'js' };
      const spec = decodeURIComponent(context.path.slice(PREFIX.length, -'.js'.length));
      const name = MODULES[spec];
      if (!name) return undefined;
      const keys = namesOf(spec);
      const body = [
        `import { ${name} as m } from '${PREFIX}bundle.js';`,
        `export default m;`,
        `export const { ${keys.join(', ')} } = m;`,
      ].join('\n');
      return { body, type: 'js' };
    },
  };
}
