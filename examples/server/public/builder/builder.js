// @ts-check
// The "deploy on my site" page: a form of settings, the real widget following them in the corner, and the
// snippets to copy. Runs under the server's Content-Security-Policy: no inline script or style (colours go
// through the CSSOM, which the policy allows), nothing loaded from elsewhere.
import {
  DEFAULTS,
  contrast,
  isColour,
  isServer,
  isSiteId,
  npmSnippet,
  onAccent,
  reactSnippet,
  scriptTagSnippet,
  shopifySnippet,
} from './snippets.js';

/** @typedef {import('./snippets.js').BuilderSettings} BuilderSettings */
/**
 * The part of the CDN's `window.Parlor` the preview uses.
 * @typedef {{ init(options: Record<string, unknown>): void, readonly element?: HTMLElement }} ParlorFacade
 */

const form = /** @type {HTMLFormElement} */ (document.getElementById('settings'));
const field = (/** @type {string} */ name) => /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @returns {BuilderSettings} */
function read() {
  const data = new FormData(form);
  const text = (/** @type {string} */ name) => String(data.get(name) ?? '').trim();
  return {
    siteId: text('siteId'),
    server: text('server'),
    accent: text('accent'),
    theme: /** @type {BuilderSettings['theme']} */ (text('theme')),
    position: /** @type {BuilderSettings['position']} */ (text('position')),
    greeting: text('greeting'),
    launcherLabel: text('launcherLabel'),
    auth: /** @type {BuilderSettings['auth']} */ (text('auth')),
  };
}

/** Marks each invalid field and says why; returns whether the settings can make a snippet. */
function validate(/** @type {BuilderSettings} */ s) {
  const problems = [];
  for (const [name, ok, message] of /** @type {[string, boolean, string][]} */ ([
    ['siteId', isSiteId(s.siteId), 'The site id may hold only letters, digits, - and _ (1 to 64).'],
    ['server', isServer(s.server), 'The server URL must start with https:// (or http://).'],
    ['accent', isColour(s.accent), 'The accent colour must be a hex colour such as #0b6e4f.'],
  ])) {
    field(name).setAttribute('aria-invalid', String(!ok));
    if (!ok) problems.push(message);
  }
  byId('problems').textContent = problems.join(' ');
  return problems.length === 0;
}

/** @type {BuilderSettings | undefined} */
let shown;
let previewTimer = 0;

function update() {
  const s = read();
  if (!validate(s)) return;
  const swatch = byId('swatch');
  swatch.style.background = s.accent;
  const text = onAccent(s.accent);
  const ratio = contrast(s.accent, text);
  byId('contrast').textContent =
    `Text on your accent colour will be ${text === '#ffffff' ? 'white' : 'near-black'}: contrast ${ratio.toFixed(1)}:1` +
    (ratio >= 4.5 ? ' (meets WCAG AA).' : ' — below the 4.5:1 that WCAG AA asks for: pick a darker or lighter colour.');
  byId('snippet-script').textContent = scriptTagSnippet(s);
  byId('snippet-npm').textContent = npmSnippet(s);
  byId('snippet-react').textContent = reactSnippet(s);
  byId('snippet-shopify').textContent = shopifySnippet(s);
  shown = s;
  // Typing should not rebuild the widget on every key.
  clearTimeout(previewTimer);
  previewTimer = window.setTimeout(() => preview(s), 150);
}

/** Mounts the real widget with the settings (replacing the previous one). */
function preview(/** @type {BuilderSettings} */ s) {
  const parlor = /** @type {ParlorFacade | { q?: unknown[] } | undefined} */ (Reflect.get(window, 'Parlor'));
  if (!parlor || !('init' in parlor)) return; // parlor.js has not run yet: its load event calls us again
  parlor.init({
    siteId: s.siteId,
    // The preview talks to this server when it is one; the snippet says what the site owner typed.
    server: previewServer ?? s.server,
    position: s.position,
    theme: s.theme,
    ...(s.greeting ? { greeting: s.greeting } : {}),
    ...(s.launcherLabel ? { launcherLabel: s.launcherLabel } : {}),
  });
  const chat = parlor.element;
  chat?.style.setProperty('--parlor-accent', s.accent);
  chat?.style.setProperty('--parlor-on-accent', onAccent(s.accent));
}

/** Copies a snippet; where the clipboard is refused, selects it so Ctrl+C / ⌘C does the rest. */
async function copy(/** @type {HTMLButtonElement} */ button) {
  const code = byId(button.dataset.copy ?? '');
  const status = byId('copied');
  const title = button.textContent?.replace(/^Copy (the )?/, '') ?? 'snippet';
  try {
    await navigator.clipboard.writeText(code.textContent ?? '');
    status.textContent = `Copied ${title} to the clipboard.`;
  } catch {
    const range = document.createRange();
    range.selectNodeContents(code);
    getSelection()?.removeAllRanges();
    getSelection()?.addRange(range);
    status.textContent = `Selected ${title}: press Ctrl+C (⌘C on a Mac) to copy it.`;
  }
}

/** The server this page came from, when it is a Parlor server (its /health answers); else null. */
let previewServer = /** @type {string | null} */ (null);
async function detectServer() {
  try {
    const response = await fetch(new URL('../health', location.href), { cache: 'no-store' });
    const body = response.ok ? await response.json() : null;
    return body?.status === 'ok' ? location.origin : null;
  } catch {
    return null; // a static docs host, or a file
  }
}

previewServer = await detectServer();
field('siteId').value = DEFAULTS.siteId;
field('server').value = previewServer ?? DEFAULTS.server;
field('accent').value = DEFAULTS.accent;
field('theme').value = DEFAULTS.theme;
field('greeting').value = DEFAULTS.greeting;
field('launcherLabel').value = DEFAULTS.launcherLabel;
for (const name of /** @type {const} */ (['position', 'auth']))
  /** @type {RadioNodeList} */ (form.elements.namedItem(name)).value = DEFAULTS[name];

form.addEventListener('input', update);
form.addEventListener('change', update);
form.addEventListener('submit', (event) => event.preventDefault());
for (const button of document.querySelectorAll('button[data-copy]'))
  button.addEventListener('click', () => void copy(/** @type {HTMLButtonElement} */ (button)));
update();
// parlor.js is async: if it ran after us, mount the preview once it has.
document.querySelector('script[src$="parlor.js"]')?.addEventListener('load', () => shown && preview(shown));
document.body.dataset.ready = 'true';
