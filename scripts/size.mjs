#!/usr/bin/env node
// `pnpm size`: prints the gzip size of every entry point and of the CDN folder, and fails over budget.
// Budgets live in size.config.json. Run after `pnpm build`. `--json FILE` also writes the figures for `pnpm bench`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { writeReport } from './bench-support.mjs';

const root = new URL('..', import.meta.url).pathname;
const config = JSON.parse(readFileSync(join(root, 'size.config.json'), 'utf8'));

const gz = (/** @type {string | Uint8Array} */ code) => gzipSync(code, { level: 9 }).length;

/** Bundles and minifies one npm entry with its dependencies, as an app's bundler would, in memory. */
async function bundled(/** @type {string} */ file, /** @type {string[]} */ ignore) {
  const result = /** @type {any} */ (
    await build({
      configFile: false,
      logLevel: 'silent',
      resolve: { conditions: ['module', 'browser', 'production', 'default'] },
      build: {
        write: false,
        minify: true,
        target: 'es2022',
        lib: { entry: join(root, file), formats: ['es'], fileName: 'entry' },
        rolldownOptions: { external: (id) => ignore.some((dep) => id === dep || id.startsWith(`${dep}/`)) },
      },
    })
  );
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output);
  return outputs.filter((o) => o.type === 'chunk').reduce((sum, chunk) => sum + gz(chunk.code), 0);
}

/** @type {{ name: string, bytes: number, limit: number | null, target?: number }[]} */
const rows = [];
for (const entry of config.npm)
  rows.push({
    name: entry.name,
    bytes: await bundled(entry.file, entry.ignore ?? []),
    limit: entry.limit,
    target: entry.target,
  });
for (const entry of config.files)
  rows.push({
    name: entry.name,
    bytes: gz(readFileSync(join(root, entry.file))),
    limit: entry.limit,
    target: entry.target,
  });
for (const folder of config.folders) {
  const dir = join(root, folder.dir);
  const all = readdirSync(dir).filter((f) => f.endsWith('.js'));
  // `exclude`: chunks a given visitor never loads (the other locales' strings), listed but not summed.
  const skip = folder.exclude ? new RegExp(folder.exclude) : null;
  const files = all.filter((f) => !skip?.test(f));
  for (const f of all)
    if (!config.files.some((/** @type {{ file: string }} */ e) => e.file === join(folder.dir, f)))
      rows.push({ name: `cdn: ${f} (lazy)`, bytes: gz(readFileSync(join(dir, f))), limit: null });
  rows.push({
    name: folder.name,
    bytes: files.reduce((s, f) => s + gz(readFileSync(join(dir, f))), 0),
    limit: folder.limit,
    target: folder.target,
  });
}

const kb = (/** @type {number} */ n) => `${(n / 1024).toFixed(2)} KB`;
const width = Math.max(...rows.map((r) => r.name.length));
console.log(`${'entry'.padEnd(width)}  ${'gzip'.padStart(9)}  ${'limit'.padStart(9)}  status`);
let over = 0;
for (const r of rows) {
  const ok = r.limit === null || r.bytes <= r.limit;
  if (!ok) over++;
  let status = r.limit === null ? '' : ok ? `ok (${Math.round((100 * r.bytes) / r.limit)}%)` : 'OVER LIMIT';
  if (r.target !== undefined)
    status +=
      r.bytes <= r.target
        ? `; target ${kb(r.target)} met`
        : `; target ${kb(r.target)} NOT MET (+${kb(r.bytes - r.target)})`;
  console.log(
    `${r.name.padEnd(width)}  ${kb(r.bytes).padStart(9)}  ${(r.limit === null ? '—' : kb(r.limit)).padStart(9)}  ${status}`,
  );
}
// The report leaves out the other locales' chunks, as the "everything once open" sum does.
const locales = config.folders.map((/** @type {{ exclude?: string }} */ f) => f.exclude && new RegExp(f.exclude));
const inTable = rows.filter((r) => !locales.some((/** @type {RegExp | undefined} */ re) => re?.test(r.name.slice(5))));
const withTarget = rows.filter((r) => r.target !== undefined);
writeReport(parseArgs({ options: { json: { type: 'string' } } }).values.json, {
  bench: 'size',
  title: 'Sizes',
  command: 'pnpm size',
  about: 'Gzip level 9; npm entries bundled and minified with their dependencies, as an app ships them.',
  tables: [
    {
      head: ['entry', 'gzip', 'limit (fails CI)', 'target'],
      rows: inTable.map((r) => [
        r.name,
        kb(r.bytes),
        r.limit === null ? '—' : `${kb(r.limit)} (${Math.round((100 * r.bytes) / r.limit)} %)`,
        r.target === undefined ? '—' : kb(r.target),
      ]),
    },
  ],
  targets: [
    ...withTarget.map((r) => ({
      measure: r.name,
      result: kb(r.bytes),
      target: `≤ ${kb(/** @type {number} */ (r.target))}`,
      met: r.bytes <= /** @type {number} */ (r.target),
    })),
    {
      measure: 'every entry within its limit (size.config.json)',
      result: over ? `${over} over` : 'all within',
      target: 'all within',
      met: over === 0,
    },
  ],
  figures: { entries: rows.filter((r) => r.limit !== null || r.target !== undefined) },
});
if (over) {
  console.error(`\n${over} entr${over === 1 ? 'y is' : 'ies are'} over the limit (size.config.json).`);
  process.exit(1);
}
