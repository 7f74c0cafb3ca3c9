/**
 * The lazy CDN chunk: the panel (Lit, its parts, the client, the protocol), loaded by `parlor.js` from beside
 * itself. It registers only the panel's elements: `<parlor-chat>` is defined by the eager script.
 */
import '../panel/define.js';
