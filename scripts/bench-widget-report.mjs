// What `pnpm bench:widget` (scripts/bench-widget.mjs) prints and hands `pnpm bench`: the page without and with
// Parlor side by side, the CDN files, the targets, and the figures the chart draws. A first-time visitor who gets a
// WebSocket or an IndexedDB database before interacting fails the run (exit code 1): that is a promise, not a speed.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { count, kb, mb, median, ms, shift, table } from './bench-support.mjs';

const CDN_DIR = new URL('../packages/widget/dist/cdn/', import.meta.url);
// Parlor's own main-thread script before interaction, at the 4× slowdown the benchmark runs with.
const OWN_SCRIPT_TARGET_MS = 15;

/** Every `.js` file of the CDN build, `parlor.js` first, raw and gzip level 9 (as `pnpm size`). */
function cdnFiles() {
  return readdirSync(CDN_DIR)
    .filter((f) => f.endsWith('.js'))
    .sort((a, b) => (a === 'parlor.js' ? -1 : b === 'parlor.js' ? 1 : a.localeCompare(b)))
    .map((file) => {
      const code = readFileSync(new URL(file, CDN_DIR));
      return { file, raw: code.length, gzip: gzipSync(code, { level: 9 }).length };
    });
}

/** Median of the successful open timings, or `n/a (reason)` when none succeeded. */
function openCell(/** @type {{ ms?: number, error?: string }[]} */ results) {
  const ok = results.filter((r) => r.error === undefined).map((r) => /** @type {number} */ (r.ms));
  if (ok.length === 0) return `n/a (${results[0]?.error ?? 'not run'})`;
  const spread = ok.length > 1 ? ` (${Math.min(...ok).toFixed(0)}–${Math.max(...ok).toFixed(0)})` : '';
  const partial =
    ok.length < results.length ? `, ${ok.length}/${results.length} runs: ${results.find((r) => r.error)?.error}` : '';
  return `${ms(median(ok))}${spread}${partial}`;
}

const KEYS = ['fcp', 'load', 'taskMs', 'scriptMs', 'ownScriptMs', 'blocking', 'longTasks', 'cls', 'heap'];

/**
 * Prints the side-by-side table and the CDN files, sets exit code 1 when a first-time visitor got a socket or a
 * database before interacting, and returns the benchmark's report.
 * @param {{ version: string, base: any[], withP: any[], parlorOrigin: string, throttle: number, settleMs: number }} run
 * @returns {import('./bench-support.mjs').BenchReport}
 */
export function widgetReport({ version, base, withP, parlorOrigin, throttle, settleMs }) {
  const m = (/** @type {any[]} */ runs, /** @type {string} */ key) => median(runs.map((r) => r[key]));
  // Timings carry their spread (min–max over the runs), so the noise is visible beside the median.
  const cell = (/** @type {any[]} */ runs, /** @type {string} */ key, /** @type {(v: number) => string} */ fmt) => {
    const values = runs.map((r) => r[key]).filter((v) => Number.isFinite(v));
    if (fmt !== ms || values.length < 2) return fmt(median(values));
    return `${fmt(median(values))} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
  };
  const added = (/** @type {string} */ key, /** @type {(v: number) => string} */ fmt) => {
    const a = m(base, key);
    const b = m(withP, key);
    // A ratio over a near-zero baseline (no script on the plain page) says nothing: leave it out.
    const ratio = a > 0 && Number.isFinite(b) && a >= Math.abs(b) / 10 ? `×${(b / a).toFixed(2)}` : '—';
    return [
      cell(base, key, fmt),
      cell(withP, key, fmt),
      Number.isFinite(a) && Number.isFinite(b) ? fmt(b - a) : 'n/a',
      ratio,
    ];
  };
  const anySockets = withP.filter((r) => r.sockets.length > 0).length;
  const anyDatabases = withP.filter((r) => r.databases.length > 0).length;
  /** @type {{ url: string, bytes: number }[][]} */
  const parlorScripts = withP.map((r) => r.scripts.filter((/** @type {any} */ s) => s.url.startsWith(parlorOrigin)));
  const scriptNames = [...new Set(parlorScripts.flat().map((s) => new URL(s.url).pathname.split('/').pop()))];
  const wireBytes = median(parlorScripts.map((s) => s.reduce((sum, x) => sum + x.bytes, 0)));
  const rows = [
    ['first contentful paint', ...added('fcp', ms)],
    ['load event end', ...added('load', ms)],
    ['launcher visible (from navigation start)', '—', cell(withP, 'launcherAt', ms), '—', '—'],
    ['long tasks, count', ...added('longTasks', count)],
    ['total blocking time (Σ long task − 50 ms)', ...added('blocking', ms)],
    ['cumulative layout shift (no recent input)', ...added('cls', shift)],
    ["Parlor's script time before interaction (trace events of its scripts' URLs)", ...added('ownScriptMs', ms)],
    ['script time before interaction (CDP ScriptDuration, whole page)', ...added('scriptMs', ms)],
    ['main-thread task time before interaction (CDP TaskDuration − DevToolsCommandDuration)', ...added('taskMs', ms)],
    ['JS heap before interaction, after GC', ...added('heap', mb)],
    [
      'Parlor scripts fetched before interaction',
      '—',
      `${scriptNames.join(', ') || 'none'} (${kb(wireBytes)} on the wire)`,
      '—',
      '—',
    ],
    [
      'WebSockets opened before interaction',
      '0',
      `${anySockets === 0 ? 0 : `opened in ${anySockets}/${withP.length} runs`}`,
      '—',
      '—',
    ],
    [
      'IndexedDB databases before interaction',
      'none',
      anyDatabases === 0
        ? 'none'
        : `present in ${anyDatabases}/${withP.length} runs: ${withP.find((r) => r.databases.length > 0).databases.join(', ')}`,
      '—',
      '—',
    ],
    ['open → composer focused, first open (chunk not cached)', '—', openCell(withP.map((r) => r.firstOpen)), '—', '—'],
    ['open → composer focused, next page load (chunk cached)', '—', openCell(withP.map((r) => r.cachedOpen)), '—', '—'],
    ['JS heap after first open, after GC', '—', mb(m(withP, 'heapAfterOpen')), '—', '—'],
  ];
  const files = cdnFiles();
  const total = files.reduce((s, f) => ({ raw: s.raw + f.raw, gzip: s.gzip + f.gzip }), { raw: 0, gzip: 0 });
  const head = ['measure', 'without Parlor', 'with Parlor', 'added', 'ratio'];
  const fileRows = [
    ...files.map((f) => [f.file, kb(f.raw), kb(f.gzip)]),
    ['**everything**', kb(total.raw), kb(total.gzip)],
  ];
  const about =
    `${version}, CPU throttled ×${throttle} (CDP Emulation.setCPUThrottlingRate), runs: ${base.length} without ` +
    `Parlor, ${withP.length} with, each in a fresh context; "before interaction" = from navigation start to load + ` +
    `launcher visible + ${settleMs} ms quiet. Timings: median (min–max).`;
  console.log(`\n## Widget benchmark\n\n${about}\n`);
  console.log(table(head, rows));
  console.log(`\nCDN files (packages/widget/dist/cdn, gzip level 9):\n`);
  console.log(table(['file', 'raw', 'gzip'], fileRows));
  const failures = [anySockets && 'a WebSocket was opened', anyDatabases && 'an IndexedDB database was created'].filter(
    Boolean,
  );
  if (failures.length > 0) {
    console.error(`\nA first-time visitor must get neither before interacting: ${failures.join(' and ')}.`);
    process.exitCode = 1;
  }

  /** @type {Record<string, number>} */
  const without = Object.fromEntries(KEYS.map((k) => [k, m(base, k)]));
  /** @type {Record<string, number>} */
  const withParlor = Object.fromEntries(KEYS.map((k) => [k, m(withP, k)]));
  const own = withParlor.ownScriptMs ?? NaN;
  const longTasks = [without.longTasks ?? NaN, withParlor.longTasks ?? NaN];
  const cls = [without.cls ?? NaN, withParlor.cls ?? NaN];
  const onlyLoader = scriptNames.length === 1 && scriptNames[0] === 'parlor.js';
  return {
    bench: 'widget',
    title: 'Widget',
    command: 'pnpm bench:widget',
    about,
    tables: [
      { head, rows },
      { caption: 'CDN files (packages/widget/dist/cdn, gzip level 9)', head: ['file', 'raw', 'gzip'], rows: fileRows },
    ],
    targets: [
      {
        measure: `Parlor's script time before interaction, CPU ×${throttle}`,
        result: ms(own),
        target: `≤ ${OWN_SCRIPT_TARGET_MS} ms at ×4`,
        met: throttle === 4 ? own <= OWN_SCRIPT_TARGET_MS : null,
      },
      {
        measure: 'long tasks before interaction, median count without → with Parlor',
        result: `${count(longTasks[0] ?? NaN)} → ${count(longTasks[1] ?? NaN)}`,
        target: 'none added',
        met: (longTasks[1] ?? NaN) <= (longTasks[0] ?? NaN),
      },
      {
        measure: 'cumulative layout shift added',
        result: shift((cls[1] ?? NaN) - (cls[0] ?? NaN)),
        target: '0',
        met: (cls[1] ?? NaN) - (cls[0] ?? NaN) < 0.00005,
      },
      {
        measure: 'before interaction: scripts fetched, WebSockets, IndexedDB databases',
        result: `${scriptNames.join(', ') || 'none'}; ${anySockets} runs with a socket; ${anyDatabases} with a database`,
        target: 'parlor.js only; none; none',
        met: onlyLoader && anySockets === 0 && anyDatabases === 0,
      },
    ],
    figures: {
      throttle,
      runs: { without: base.length, with: withP.length },
      without,
      with: withParlor,
      launcherAt: m(withP, 'launcherAt'),
      wireBytes,
      cdnGzip: total.gzip,
    },
  };
}
