/**
 * Registers the panel's elements. Loaded lazily by `<parlor-chat>` (a dynamic import on npm, the hashed chunk
 * beside `parlor.js` on the CDN); a second copy on the page skips what is already defined.
 */
import { ParlorComposer } from './parlor-composer.js';
import { ParlorMessages } from './parlor-messages.js';
import { ParlorPanel } from './parlor-panel.js';

for (const [name, element] of [
  ['parlor-messages', ParlorMessages],
  ['parlor-composer', ParlorComposer],
  ['parlor-panel', ParlorPanel],
] as const) {
  if (!customElements.get(name)) customElements.define(name, element);
}
