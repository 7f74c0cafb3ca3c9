/**
 * The lazy CDN chunk: everything the panel needs (Lit, the element, the client), loaded by `parlor.js`
 * from beside itself.
 */
import '../define.js';
