// `node --import ./test/react-18.mjs …`: runs a Node test against React 18 (installed as `react-18` and
// `react-dom-18`) instead of the React 19 the package develops with, so both peer versions are proven.
// Every import and require of react and react-dom, ours and react-dom's own, goes to the 18 copies.
import Module, { register } from 'node:module';

process.env.PARLOR_REACT = '18';

/** `react/jsx-runtime` → `react-18/jsx-runtime`, `react-dom/server` → `react-dom-18/server`; others unchanged. */
const alias = (/** @type {string} */ request) => request.replace(/^(react|react-dom)(?=$|\/)/, '$1-18');

// CommonJS: react-dom requires react itself.
const resolveFilename = /** @type {any} */ (Module)._resolveFilename;
/** @type {any} */ (Module)._resolveFilename = function (
  /** @type {string} */ request,
  /** @type {unknown[]} */ ...rest
) {
  return resolveFilename.call(this, alias(request), ...rest);
};

// ES modules: our sources and the test import react.
const hooks = `export async function resolve(specifier, context, next) {
  return next(specifier.replace(/^(react|react-dom)(?=$|\\/)/, '$1-18'), context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, import.meta.url);
