// @ts-check
// The snippets of the "deploy on my site" builder, as pure functions of the settings: the page shows them and
// copies them, and the tests paste them into blank pages. No DOM here, so Node can import it too.

/**
 * What the site owner picked.
 * @typedef {object} BuilderSettings
 * @property {string} siteId - The site, as configured on the server.
 * @property {string} server - The server's base URL, e.g. `https://chat.example.com`.
 * @property {string} accent - Brand colour, `#rrggbb`.
 * @property {'light' | 'dark' | 'auto'} theme
 * @property {'right' | 'left'} position
 * @property {string} greeting - Empty: the server's greeting.
 * @property {string} launcherLabel - Empty: the built-in label.
 * @property {'anonymous' | 'identified' | 'jwt'} auth
 */

/** @type {Readonly<BuilderSettings>} */
export const DEFAULTS = Object.freeze({
  siteId: 'demo',
  server: 'https://chat.example.com',
  accent: '#3b3bd4',
  theme: 'light',
  position: 'right',
  greeting: '',
  launcherLabel: 'Chat with us',
  auth: 'anonymous',
});

/** The methods of the queueing stub in packages/widget/README.md, in its order. */
const STUB_METHODS = [
  'init',
  'open',
  'close',
  'toggle',
  'identify',
  'logout',
  'setContext',
  'setConsent',
  'on',
  'destroy',
];

/** @param {string} hex `#rrggbb` @returns {number} relative luminance (WCAG 2.2) */
function luminance(hex) {
  const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const [r = 0, g = 0, b = 0] = channels.map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** @param {string} a @param {string} b @returns {number} WCAG contrast ratio of two `#rrggbb` colours */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05);
}

/**
 * The text colour for the accent: white when it reads well enough, else near-black (whichever contrasts more).
 * @param {string} accent `#rrggbb`
 */
export function onAccent(accent) {
  return contrast(accent, '#ffffff') >= contrast(accent, '#111111') ? '#ffffff' : '#111111';
}

/** @param {string} value a colour the builder accepts: `#rrggbb` */
export function isColour(value) {
  return /^#[0-9a-f]{6}$/i.test(value);
}

/** @param {string} value @returns {boolean} a site id the server accepts */
export function isSiteId(value) {
  return /^[A-Za-z0-9_-]{1,64}$/.test(value);
}

/** @param {string} value @returns {boolean} an http(s) base URL */
export function isServer(value) {
  return /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(value);
}

/** @param {string} value */
const attr = (value) => value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
/** @param {string} value */
const js = (value) =>
  // `<` as `\x3C`: the string may sit in an inline <script>, where a `</script>` inside it would end the element.
  `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n').replaceAll('<', '\\x3C')}'`;
/** @param {string} value */
const jsx = (value) => (/^[^"\\{}<>&]*$/.test(value) ? `"${value}"` : `{${JSON.stringify(value)}}`);
/** @param {string} server */
const base = (server) => server.replace(/\/+$/, '');

/**
 * The settings that differ from the widget's own defaults, as `[attribute, option, value]`.
 * @param {BuilderSettings} s
 * @returns {[attribute: string, option: string, value: string][]}
 */
function options(s) {
  /** @type {[string, string, string][]} */
  const list = [
    ['site-id', 'siteId', s.siteId],
    ['server', 'server', base(s.server)],
  ];
  if (s.position !== 'right') list.push(['position', 'position', s.position]);
  if (s.theme !== 'light') list.push(['theme', 'theme', s.theme]);
  if (s.greeting) list.push(['greeting', 'greeting', s.greeting]);
  if (s.launcherLabel) list.push(['launcher-label', 'launcherLabel', s.launcherLabel]);
  return list;
}

/** @param {BuilderSettings} s the CSS custom properties of the colour choice */
function colours(s) {
  return [
    ['--parlor-accent', s.accent.toLowerCase()],
    ['--parlor-on-accent', onAccent(s.accent)],
  ];
}

/** @param {BuilderSettings} s @param {string} indent the identity line for JavaScript, or '' when anonymous */
function identity(s, indent) {
  if (s.auth === 'identified')
    return [
      `${indent}// Rendered by your server for the signed-in user: userHash = HMAC-SHA256(user-hash key, user id), hex; the key is HKDF-SHA256(site secret, "parlor user-hash v1"), see docs/auth.md.`,
      `${indent}identity: { mode: 'identified', userId: 'USER_ID', userHash: 'USER_HASH' },`,
    ];
  if (s.auth === 'jwt')
    return [
      `${indent}// A short-lived JWT from your server (HS256 with the JWT key derived from the site secret, see docs/auth.md; aud = site id); fetched again on expiry.`,
      `${indent}identity: { mode: 'jwt', token: () => fetch('/parlor-token').then((r) => r.text()) },`,
    ];
  return [];
}

/**
 * The script tag for any HTML page (with the queueing stub when the visitor signs in).
 * @param {BuilderSettings} s
 */
export function scriptTagSnippet(s) {
  const style = ['<style>', '  parlor-chat {', ...colours(s).map(([k, v]) => `    ${k}: ${v};`), '  }', '</style>'];
  const src = `${base(s.server)}/cdn/parlor.js`;
  if (s.auth === 'anonymous') {
    const data = options(s).map(([name, , value]) => `  data-${name}="${attr(value)}"`);
    return [...style, '<script', `  src="${attr(src)}"`, ...data, '  async', '></script>', ''].join('\n');
  }
  const init = options(s).map(([, key, value]) => `    ${key}: ${js(value)},`);
  return [
    ...style,
    '<script>',
    '  window.Parlor = window.Parlor || { q: [] };',
    `  ${JSON.stringify(STUB_METHODS).replaceAll('"', "'").replaceAll(',', ', ')}.forEach(`,
    '    (m) => (window.Parlor[m] = window.Parlor[m] || ((...a) => window.Parlor.q.push([m, a]))),',
    '  );',
    '  Parlor.init({',
    ...init,
    ...identity(s, '    '),
    '  });',
    '</script>',
    `<script src="${attr(src)}" async></script>`,
    '',
  ].join('\n');
}

/**
 * An app that installs `@parlor/widget` from npm (any framework, or none).
 * @param {BuilderSettings} s
 */
export function npmSnippet(s) {
  const auth = identity(s, '').map((line) => line.replace(/^identity: (.*),$/, 'chat.auth = $1;'));
  return [
    '// npm install @parlor/widget',
    "import '@parlor/widget/define';",
    '',
    "const chat = document.createElement('parlor-chat');",
    ...options(s).map(([name, , value]) => `chat.setAttribute('${name}', ${js(value)});`),
    ...colours(s).map(([k, v]) => `chat.style.setProperty('${k}', '${v}');`),
    ...auth,
    'document.body.append(chat);',
    '',
  ].join('\n');
}

/**
 * A React component with `@parlor/react`.
 * @param {BuilderSettings} s
 */
export function reactSnippet(s) {
  const props = options(s).map(([, key, value]) => `      ${key}=${jsx(value)}`);
  const style = colours(s)
    .map(([k, v]) => `'${k}': '${v}'`)
    .join(', ');
  const auth = identity(s, '')
    .filter((line) => !line.startsWith('//'))
    .map((line) => `      ${line.replace(/^identity: (.*),$/, 'identity={$1}')}`);
  return [
    '// npm install @parlor/react',
    "import { ChatWidget } from '@parlor/react';",
    '',
    'export function Chat() {',
    '  return (',
    '    <ChatWidget',
    ...props,
    `      style={{ ${style} }}`,
    ...auth,
    '    />',
    '  );',
    '}',
    '',
  ].join('\n');
}

/**
 * What to fill in on Shopify: the app embed's settings in the theme editor.
 * @param {BuilderSettings} s
 */
export function shopifySnippet(s) {
  return [
    'Online Store → Themes → Customize → App embeds → Parlor chat (switch it on), then:',
    `Accent colour: ${s.accent.toLowerCase()}`,
    `Position: ${s.position === 'left' ? 'Bottom left' : 'Bottom right'}`,
    `Greeting: ${s.greeting || '(empty: the server’s greeting)'}`,
    `Launcher label: ${s.launcherLabel || '(empty: the widget’s label in the visitor’s language)'}`,
    `Site id: ${s.siteId}   (only when the app has not set it)`,
    `Server URL: ${base(s.server)}   (only when the app has not set it)`,
    'Signed-in customers are recognised through the app proxy; no user hash or JWT to add.',
    '',
  ].join('\n');
}
