#!/usr/bin/env node
// `node scripts/size-floor.mjs`: the smallest the open widget could be with the libraries it is built on.
//
// Bundles a probe that uses each of them the least a chat widget can: one Lit element with a context provider
// and consumer, the protocol's server-frame schemas parsing one frame (the validation every frame gets), a
// partysocket, and an idb-keyval store. Minified like the CDN build, gzip level 9. Whatever the widget's own code
// weighs comes on top of this figure, and the eager `parlor.js` on top of that.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const root = new URL('..', import.meta.url).pathname;
const core = join(root, 'packages/core');
const widgetModules = join(root, 'packages/widget/node_modules');

const PROBE = `
import { ContextConsumer, ContextProvider, createContext } from '@lit/context';
import { parseFrame, serverFrameSchema } from '@parlor/core/protocol';
import { LitElement, css, html } from 'lit';
import { PartySocket } from 'partysocket';
import { createStore, get, set } from 'idb-keyval';
const context = createContext('probe');
class Probe extends LitElement {
  static styles = css\`:host { display: block }\`;
  provider = new ContextProvider(this, { context, initialValue: 'a' });
  consumer = new ContextConsumer(this, { context, subscribe: true });
  render() { return html\`<p>\${this.consumer.value}</p>\`; }
}
customElements.define('size-floor-probe', Probe);
const socket = new PartySocket({ host: 'example.com', room: 'probe' });
socket.addEventListener('message', (e) => console.log(parseFrame(serverFrameSchema, String(e.data), 65536)));
const store = createStore('probe', 'probe');
void set('k', 1, store).then(() => get('k', store));
`;

// The probe must resolve partysocket, idb-keyval and zod as the core does: it is written inside the core package.
const dir = join(core, '.size-floor');
const out = mkdtempSync(join(tmpdir(), 'parlor-size-floor-'));
mkdirSync(dir, { recursive: true });
try {
  writeFileSync(join(dir, 'probe.js'), PROBE);
  await build({
    configFile: false,
    root: core,
    logLevel: 'error',
    resolve: {
      alias: [
        { find: /^lit$/, replacement: join(widgetModules, 'lit/index.js') },
        { find: /^@lit\/context$/, replacement: join(widgetModules, '@lit/context/index.js') },
        { find: '@parlor/core/protocol', replacement: join(core, 'src/protocol/index.ts') },
      ],
    },
    build: {
      outDir: out,
      minify: true,
      lib: { entry: join(dir, 'probe.js'), formats: ['es'], fileName: 'probe' },
    },
  });
  const code = readFileSync(join(out, 'probe.js'));
  const gzip = gzipSync(code, { level: 9 }).length;
  console.log(
    `Library floor of the open widget (Lit + @lit/context + zod/mini with the server-frame schemas + partysocket + idb-keyval):\n` +
      `  ${(code.length / 1024).toFixed(1)} KB minified, ${(gzip / 1024).toFixed(2)} KB gzip (level 9), before any of Parlor's own code.`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
}
