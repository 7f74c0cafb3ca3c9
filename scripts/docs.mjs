#!/usr/bin/env node
// `pnpm run docs`: the docs site in docs/api — the guides (docs/*.md) and the API reference from the TSDoc, built by
// one TypeDoc run (see scripts/typedoc-guides.mjs), with the snippet builder. Before it: docs/theming.md must match
// the widget's manifest, and every code block a guide says comes from a file ("// from path") must be that file's
// text, so the samples readers copy are the ones the tests and examples run. After it: no broken internal link.
// `pnpm build` first (the manifest and the CDN build come from it).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkLinks } from './check-links.mjs';
import { expected } from './theming-doc.mjs';

const root = new URL('..', import.meta.url);
const t0 = Date.now();
let failed = false;
const fail = (/** @type {string} */ message) => {
  console.error(message);
  failed = true;
};

// 1. The theming reference is generated from the manifest: it must be up to date.
if (readFileSync(new URL('docs/theming.md', root), 'utf8') !== (await expected()))
  fail('docs/theming.md is out of date with the widget: run `node scripts/theming-doc.mjs` and commit it.');

// 2. Code samples that name their file must be that file's text (indentation aside).
const MARK = /^\s*(?:\/\/|#|<!--|\/\*)\s*from (\S+?)(?:\s*(?:-->|\*\/))?\s*$/;
const trimmed = (/** @type {string} */ text) => text.split('\n').map((line) => line.trim());
let samples = 0;
for (const name of readdirSync(new URL('docs/', root)).filter((n) => n.endsWith('.md'))) {
  const text = readFileSync(new URL(`docs/${name}`, root), 'utf8');
  for (const [, body = ''] of text.matchAll(/^ *```[\w-]*\n([\s\S]*?)^ *```$/gm)) {
    const [first = '', ...rest] = body.replace(/\n$/, '').split('\n');
    const path = MARK.exec(first)?.[1];
    if (!path) continue;
    samples++;
    const source = new URL(path, root);
    if (!existsSync(source)) {
      fail(`docs/${name}: a sample names ${path}, which does not exist`);
      continue;
    }
    const lines = trimmed(readFileSync(source, 'utf8'));
    const want = trimmed(rest.join('\n'));
    const found = lines.some((_, i) => want.every((line, j) => lines[i + j] === line));
    if (!found) fail(`docs/${name}: the sample "from ${path}" is not that file's text any more; copy it again.`);
  }
}
console.log(`samples: ${samples} code blocks match the files they come from.`);

// 3. One TypeDoc run: API reference, guides, builder.
const typedoc = spawnSync(process.execPath, [fileURLToPath(new URL('node_modules/typedoc/bin/typedoc', root))], {
  cwd: fileURLToPath(root),
  stdio: 'inherit',
});
if (typedoc.status !== 0) fail('typedoc failed');

// 4. No broken internal link in what it wrote.
if (typedoc.status === 0) {
  const { pages, links, broken } = checkLinks(fileURLToPath(new URL('docs/api', root)));
  if (broken.length) fail(`${broken.length} broken internal link(s) in docs/api:\n  ${broken.join('\n  ')}`);
  else console.log(`links: ${links} internal links in ${pages} pages, none broken.`);
}
console.log(`docs: ${failed ? 'FAILED' : 'built docs/api'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
