// What the page benchmarks (`bench:widget`, `bench:shopify`) share: their options, the in-page instrumentation
// installed before any page script, the figures read back from it, and the plain-text report helpers; and what every
// benchmark hands `pnpm bench` (scripts/bench.mjs): its tables, targets and figures as JSON (`--json FILE`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * A table as printed: header cells and rows of cells (Markdown allowed in cells).
 * @typedef {{ caption?: string, head: string[], rows: string[][] }} BenchTable
 */
/**
 * One target checked by a benchmark: `met` is true or false, or null when this run cannot tell (a short run below
 * the load the target is stated for).
 * @typedef {{ measure: string, result: string, target: string, met: boolean | null }} BenchTarget
 */
/**
 * What one benchmark run hands `pnpm bench`: `figures` holds the raw numbers the chart draws.
 * @typedef {{ bench: string, title: string, command: string, about: string, tables: BenchTable[],
 *   targets: BenchTarget[], figures: Record<string, any> }} BenchReport
 */

/** Writes a benchmark's report as JSON to `file` (from `--json FILE`); does nothing without a file. */
export function writeReport(/** @type {string | undefined} */ file, /** @type {BenchReport} */ report) {
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

/**
 * The options every page benchmark takes: `--runs N` (default 5), `--throttle N` (CPU slowdown, default 4),
 * `--settle MS` (quiet time before "interaction", default 2000) and `--json FILE` (also write the report as JSON).
 */
export function benchOptions() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      throttle: { type: 'string', default: '4' },
      settle: { type: 'string', default: '2000' },
      json: { type: 'string' },
    },
  });
  return {
    runs: Math.max(1, Number.parseInt(values.runs, 10) || 5),
    throttle: Math.max(1, Number(values.throttle) || 4),
    settleMs: Math.max(0, Number(values.settle) || 0),
    json: values.json,
  };
}

/**
 * Runs in the page before any of its scripts (`context.addInitScript`): collects long tasks, layout shifts, and
 * when the launcher is first laid out and visible — checked on each animation frame once `<parlor-chat>` is in the
 * document, so a page without Parlor runs no polling at all. The harness awaits `__bench.launcherShown` in one call,
 * so no polling from outside adds work to the page.
 */
export function instrument() {
  /** @type {any} */
  const bench = { longTasks: [], shifts: [], launcherAt: null, launcherShown: null };
  bench.launcherShown = new Promise((resolve) => (bench.showLauncher = resolve));
  /** @type {any} */ (window).__bench = bench;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) bench.longTasks.push(entry.duration);
  }).observe({ type: 'longtask', buffered: true });
  new PerformanceObserver((list) => {
    for (const entry of /** @type {any[]} */ (list.getEntries()))
      if (!entry.hadRecentInput) bench.shifts.push(entry.value);
  }).observe({ type: 'layout-shift', buffered: true });
  const launcher = () => document.querySelector('parlor-chat')?.shadowRoot?.querySelector('[part~="launcher"]');
  const frame = () => {
    const el = launcher();
    const box = el?.getBoundingClientRect();
    if (el && box && box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden')
      bench.showLauncher((bench.launcherAt = performance.now()));
    else requestAnimationFrame(frame);
  };
  const watch = new MutationObserver(() => {
    if (!document.querySelector('parlor-chat')) return;
    watch.disconnect();
    requestAnimationFrame(frame);
  });
  watch.observe(document, { childList: true, subtree: true });
}

/** Whether the launcher showed within `timeoutMs`, awaited in the page in one call. */
export function launcherShown(/** @type {any} */ page, timeoutMs = 10_000) {
  return page.evaluate(
    (/** @type {number} */ timeout) =>
      Promise.race([
        /** @type {any} */ (window).__bench.launcherShown.then(() => true),
        new Promise((resolve) => setTimeout(() => resolve(false), timeout)),
      ]),
    timeoutMs,
  );
}

/**
 * What {@link instrument} collected, and the page's own paint and navigation timings: launcher time, long tasks,
 * total blocking time (Σ duration − 50 ms over every long task), layout shift, load, first contentful paint.
 */
export function pageFigures(/** @type {any} */ page) {
  return page.evaluate(() => {
    const bench = /** @type {any} */ (window).__bench;
    const nav = /** @type {PerformanceNavigationTiming} */ (performance.getEntriesByType('navigation')[0]);
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    return {
      launcherAt: bench.launcherAt ?? NaN,
      longTasks: bench.longTasks.length,
      blocking: bench.longTasks.reduce(
        (/** @type {number} */ s, /** @type {number} */ d) => s + Math.max(0, d - 50),
        0,
      ),
      cls: bench.shifts.reduce((/** @type {number} */ s, /** @type {number} */ v) => s + v, 0),
      load: nav.loadEventEnd,
      fcp: fcp ? fcp.startTime : NaN,
    };
  });
}

/** CDP `Performance.getMetrics` as a name → value map (enable the `Performance` domain first). */
export async function readMetrics(/** @type {any} */ cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(metrics.map((/** @type {{ name: string, value: number }} */ m) => [m.name, m.value]));
}

/**
 * Script and task time from CDP metrics, in ms. The harness's own CDP commands run on the main thread too, so
 * `DevToolsCommandDuration` is not the page's work.
 */
export function scriptAndTaskMs(/** @type {Record<string, number>} */ metrics) {
  const at = (/** @type {string} */ name) => metrics[name] ?? NaN;
  return {
    scriptMs: at('ScriptDuration') * 1000,
    taskMs: (at('TaskDuration') - at('DevToolsCommandDuration')) * 1000,
  };
}

/** The median of the finite values; NaN when there are none. */
export function median(/** @type {number[]} */ values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  const at = (/** @type {number} */ i) => sorted[i] ?? NaN;
  return sorted.length % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
}

export const ms = (/** @type {number} */ v) => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : 'n/a');
export const kb = (/** @type {number} */ v) => (Number.isFinite(v) ? `${(v / 1024).toFixed(2)} KB` : 'n/a');
export const mb = (/** @type {number} */ v) => (Number.isFinite(v) ? `${(v / 1024 / 1024).toFixed(2)} MB` : 'n/a');
export const count = (/** @type {number} */ v) => (Number.isFinite(v) ? String(v) : 'n/a');
export const shift = (/** @type {number} */ v) => (Number.isFinite(v) ? v.toFixed(4) : 'n/a');

/** A markdown table with aligned columns. */
export function table(/** @type {string[]} */ head, /** @type {string[][]} */ rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (/** @type {string[]} */ cells) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}
