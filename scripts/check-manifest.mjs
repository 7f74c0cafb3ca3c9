#!/usr/bin/env node
// Checks the generated custom-elements manifest (packages/widget/custom-elements.json): `<parlor-chat>`
// must document its public surface — attributes, events, CSS custom properties, parts and the icon slot —
// because the docs and the React events map are generated from it. Run by the widget's build, after
// the analyzer; exits 1 naming everything that is missing.
import { readFileSync } from 'node:fs';

const file = new URL('../packages/widget/custom-elements.json', import.meta.url);

const REQUIRED = {
  attributes: ['site-id', 'server', 'position', 'theme', 'locale', 'open', 'launcher-label'],
  events: ['parlor-ready', 'parlor-open', 'parlor-close', 'parlor-message', 'parlor-unread-change', 'parlor-error'],
  cssParts: ['launcher', 'panel', 'messages', 'composer'],
  slots: ['icon'],
};
const MIN_CSS_PROPERTIES = 10;

/** @returns {string[]} what the manifest lacks; empty when it is complete. */
function problems() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return [`cannot read ${file.pathname}: ${error instanceof Error ? error.message : error} (did the analyzer run?)`];
  }
  const element = (manifest.modules ?? [])
    .flatMap((/** @type {any} */ m) => m.declarations ?? [])
    .find((/** @type {any} */ d) => d.tagName === 'parlor-chat');
  if (!element) return ['no declaration with tagName "parlor-chat" (is the @tag JSDoc tag still there?)'];

  const found = [];
  for (const [key, names] of Object.entries(REQUIRED)) {
    const present = new Set((element[key] ?? []).map((/** @type {{ name: string }} */ item) => item.name));
    const missing = names.filter((name) => !present.has(name));
    if (missing.length > 0) found.push(`${key}: missing ${missing.join(', ')}`);
    const undescribed = (element[key] ?? []).filter(
      (/** @type {any} */ item) => names.includes(item.name) && !item.description,
    );
    if (undescribed.length > 0)
      found.push(`${key}: no description for ${undescribed.map((/** @type {any} */ i) => i.name).join(', ')}`);
  }
  const cssProperties = element.cssProperties ?? [];
  if (cssProperties.length < MIN_CSS_PROPERTIES)
    found.push(`cssProperties: ${cssProperties.length} documented, at least ${MIN_CSS_PROPERTIES} expected`);
  return found;
}

const found = problems();
if (found.length > 0) {
  console.error(`custom-elements.json does not document <parlor-chat> completely:\n  - ${found.join('\n  - ')}`);
  if (!found[0]?.startsWith('cannot read'))
    console.error('Document them with @attr / @fires / @cssprop / @csspart / @slot on the ParlorChat class.');
  process.exit(1);
}
console.log('custom-elements.json: <parlor-chat> attributes, events, CSS properties, parts and slot are documented.');
