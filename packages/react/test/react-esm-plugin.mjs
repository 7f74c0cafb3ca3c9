// A web-test-runner plugin that serves React to browser tests. React ships CommonJS only, which a browser cannot
// import: the modules tests use are bundled once per React version into one ES module (one React instance for
// react-dom and the tests), in development mode so React's warnings show, and each bare import gets a facade with
// named exports. Bare imports get the React the package develops with; a test page made by `reactTestPage(18)` gets
// React 18 instead (installed as `react-18` and `react-dom-18`), so the same test files prove both peer versions.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build } from 'vite';

const require = createRequire(new URL('../package.json', import.meta.url));
const PREFIX = '/__react/';

/** The major version of the React the package develops with: what bare imports get. */
const DEFAULT = Number(require('react/package.json').version.split('.')[0]);

/**
 * React major → the installed packages that hold it.
 * @type {Record<number, { react: string, 'react-dom': string }>}
 */
const PACKAGES = {
  [DEFAULT]: { react: 'react', 'react-dom': 'react-dom' },
  18: { react: 'react-18', 'react-dom': 'react-dom-18' },
};

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
 * Where each one's browser build lives (react-dom/server's browser entry renders without Node streams; it has this
 * name in React 18 and 19 alike).
 * @type {Record<string, string>}
 */
const FILES = { 'react-dom/server': 'react-dom/server.browser' };

/**
 * The folders of a version's react and react-dom. Every `react`/`react-dom` request goes there: the installed
 * react-dom 18 would otherwise find the React 19 beside it.
 */
function dirsOf(/** @type {number} */ version) {
  const packages = PACKAGES[version];
  if (!packages) throw new Error(`No React ${version} installed for the browser tests`);
  return {
    react: dirname(require.resolve(`${packages.react}/package.json`)),
    'react-dom': dirname(require.resolve(`${packages['react-dom']}/package.json`)),
  };
}

/** `react/jsx-runtime` → `<react-18 folder>/jsx-runtime`; anything else unchanged. */
const ALIAS = /^(react|react-dom)(?=$|\/)/;

/** @type {Map<number, Promise<string>>} */
const bundles = new Map();
/** @type {Map<number, Record<string, string[]>>} */
const exportNames = new Map();

/**
 * The export names of each module of `version`, read in a child process: loading React's development build here
 * would patch the console of the test runner itself. The child exits explicitly (react-dom's server build keeps a
 * channel open).
 */
function namesOf(/** @type {number} */ version, /** @type {string} */ spec) {
  let names = exportNames.get(version);
  if (!names) {
    const dirs = dirsOf(version);
    const toDir = (/** @type {string} */ name) => dirs[/** @type {keyof typeof dirs} */ (name)];
    const files = Object.keys(MODULES).map((spec) => [spec, (FILES[spec] ?? spec).replace(ALIAS, toDir)]);
    names = /** @type {Record<string, string[]>} */ (
      JSON.parse(
        execFileSync(process.execPath, [
          '-e',
          `const Module = require('node:module');
           const dirs = ${JSON.stringify(dirs)};
           const resolve = Module._resolveFilename;
           Module._resolveFilename = function (request, ...rest) {
             return resolve.call(this, request.replace(${ALIAS}, (name) => dirs[name]), ...rest);
           };
           const files = ${JSON.stringify(files)};
           const names = files.map(([spec, file]) => [spec, Object.keys(require(file))]);
           process.stdout.write(JSON.stringify(Object.fromEntries(names)));
           process.exit(0);`,
        ]).toString(),
      )
    );
    exportNames.set(version, names);
  }
  return (names[spec] ?? []).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k));
}

/** The one ES module holding every React module of `version`, built on first use. */
function bundled(/** @type {number} */ version) {
  let bundle = bundles.get(version);
  if (!bundle) {
    const dirs = dirsOf(version);
    const entry = Object.entries(MODULES)
      .map(([spec, name]) => `import ${name} from ${JSON.stringify(FILES[spec] ?? spec)};`)
      .concat(`export { ${Object.values(MODULES).join(', ')} };`)
      .join('\n');
    const file = join(mkdtempSync(join(tmpdir(), `parlor-react-${version}-`)), 'entry.js');
    writeFileSync(file, entry);
    bundle = build({
      configFile: false,
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"development"' },
      resolve: {
        alias: [
          { find: /^react(?=$|\/)/, replacement: dirs.react },
          { find: /^react-dom(?=$|\/)/, replacement: dirs['react-dom'] },
        ],
      },
      build: { write: false, minify: false, lib: { entry: file, formats: ['es'], fileName: 'react' } },
    }).then((result) => /** @type {any} */ (Array.isArray(result) ? result[0] : result).output[0].code);
    bundles.set(version, bundle);
  }
  return bundle;
}

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function reactEsmPlugin() {
  return {
    name: 'react-esm',
    resolveImport({ source }) {
      return source in MODULES ? `${PREFIX}${DEFAULT}/${encodeURIComponent(source)}.js` : undefined;
    },
    async serve(context) {
      const [, major, rest] = /^\/__react\/(\d+)\/(.+)\.js$/.exec(context.path) ?? [];
      const version = Number(major);
      if (!rest || !PACKAGES[version]) return undefined;
      if (rest === 'bundle') return { body: await bundled(version), type: 'js' };
      const spec = decodeURIComponent(rest);
      const name = MODULES[spec];
      if (!name) return undefined;
      const keys = namesOf(version, spec);
      const body = [
        `import { ${name} as m } from '${PREFIX}${version}/bundle.js';`,
        `export default m;`,
        `export const { ${keys.join(', ')} } = m;`,
      ].join('\n');
      return { body, type: 'js' };
    },
  };
}

/**
 * The test page of a web-test-runner group that runs on React `version`: an import map sends every React module the
 * plugin serves to that version's, and `window.__PARLOR_REACT__` tells the tests which major they should find.
 * @param {number} version
 * @returns {(testFramework: string) => string}
 */
export function reactTestPage(version) {
  if (!PACKAGES[version]) throw new Error(`No React ${version} installed for the browser tests`);
  const map = JSON.stringify({ imports: { [`${PREFIX}${DEFAULT}/`]: `${PREFIX}${version}/` } });
  return (testFramework) =>
    `<!DOCTYPE html><html><head><script type="importmap">${map}</script>` +
    `<script>window.__PARLOR_REACT__ = ${version};</script></head>` +
    `<body><script type="module" src="${testFramework}"></script></body></html>`;
}
