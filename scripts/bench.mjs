#!/usr/bin/env node
// `pnpm bench`: every benchmark in one go and one report. Builds what they need once, then runs the sizes, the
// server, the abuse bench, the client, the widget and the Shopify embed one after another (never side by side: each
// measures the machine), collects their figures as JSON (`--json` of each script), and writes the generated section
// of docs/benchmarks.md (between the bench:report markers) with the machine it ran on, and docs/bench-chart.svg.
// Not a test: a figure never fails the run for being slow; a benchmark that crashes or produces no figures does.
//
// Options: --short (a reduced run for CI, about two minutes: smaller loads and fewer runs), --out FILE (where the
// report goes; the chart is written beside it as bench-chart.svg), --skip-build (the packages are built already),
// --only a,b (some of size, server, abuse, client, widget, shopify). Only a complete full run that passes its checks
// replaces docs/benchmarks.md and docs/bench-chart.svg; a short, partial or failed run writes to a temporary folder
// (unless --out says where). Report and chart are checked before they are written.
// Ends with "# pass N" / "# fail N" (benchmarks that produced figures / that did not), the lines `pnpm test` sums.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chartSvg } from './bench-chart.mjs';
import { checkReport, mergeReports, replaceSection, section } from './bench-report.mjs';
import { findChromium } from './ensure-chromium.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    out: { type: 'string' },
    'skip-build': { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const SHORT = values.short;
const t0 = Date.now();
const startLoad = loadavg();
const date = new Date()
  .toISOString()
  .replace(/:\d\d\.\d+Z$/, ' UTC')
  .replace('T', ' ');
const work = mkdtempSync(join(tmpdir(), 'parlor-bench-'));

/** The soft limit on open files of this process (inherited by the benchmarks), from /proc; Infinity elsewhere. */
function openFilesLimit() {
  const line = existsSync('/proc/self/limits')
    ? /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))
    : null;
  return line ? Number(line[1]) : Infinity;
}

/**
 * One benchmark to run: `node args…` plus `--json FILE`, or with PARLOR_BENCH_JSON=FILE when `jsonByEnv` (the client
 * bench's test runner takes no options of ours).
 * @typedef {{ name: string, command: string, args: string[], env?: Record<string, string>, jsonByEnv?: boolean }} Step
 */
const wtr = join(root, 'node_modules/@web/test-runner/dist/bin.js');
const bigServer = !SHORT && openFilesLimit() > 10_500;
/** @type {Step[]} */
const PLAN = [
  { name: 'size', command: 'pnpm size', args: ['scripts/size.mjs'] },
  {
    name: 'server',
    command: 'pnpm bench:server',
    args: SHORT
      ? [
          'scripts/bench-server.mjs',
          '--visitors',
          '200',
          '--agents',
          '20',
          '--rate',
          '200',
          '--seconds',
          '3',
          '--burst',
          '5',
        ]
      : ['scripts/bench-server.mjs'],
  },
  // The one-process targets are stated at 10,000 visitors: the embedded mode again at that load (one socket each).
  ...(bigServer
    ? [
        {
          name: 'server',
          command: 'pnpm bench:server',
          args: ['scripts/bench-server.mjs', '--mode', 'embedded', '--visitors', '10000'],
        },
      ]
    : []),
  // One hostile IP against a legitimate visitor and an agent; the short run attacks briefly, once per kind.
  {
    name: 'abuse',
    command: 'pnpm bench:abuse',
    args: ['scripts/bench-abuse.mjs', ...(SHORT ? ['--short'] : [])],
  },
  {
    name: 'client',
    command: 'pnpm bench:client',
    args: [wtr, '--config', 'web-test-runner.bench.config.mjs'],
    env: SHORT ? { PARLOR_BENCH_SHORT: '1' } : {},
    jsonByEnv: true,
  },
  {
    name: 'widget',
    command: 'pnpm bench:widget',
    args: ['scripts/bench-widget.mjs', '--runs', SHORT ? '2' : '9', ...(SHORT ? ['--settle', '1000'] : [])],
  },
  {
    name: 'shopify',
    command: 'pnpm bench:shopify',
    args: ['scripts/bench-shopify.mjs', '--runs', SHORT ? '1' : '7', ...(SHORT ? ['--settle', '1000'] : [])],
  },
];
const only = values.only?.split(',').map((s) => s.trim());
const steps = PLAN.filter((s) => !only || only.includes(s.name));

/** Runs a command with this terminal's output; resolves with its exit code. */
function run(/** @type {string} */ cmd, /** @type {string[]} */ args, /** @type {Record<string, string>} */ env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('close', (/** @type {number | null} */ code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
  });
}

const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
process.env.CHROME_PATH = findChromium();

if (!values['skip-build']) {
  console.log(`\n== bench: build (${elapsed()})`);
  const pnpm = process.env.npm_execpath
    ? [process.execPath, process.env.npm_execpath]
    : [
        'npx',
        '-y',
        `pnpm@${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1]}`,
      ];
  const [cmd = 'npx', ...rest] = pnpm;
  const code = await run(cmd, [...rest, '--filter', './packages/*', '--filter', '@parlor/example-server', 'build']);
  if (code !== 0) {
    console.error('bench: the build failed');
    process.exit(1);
  }
}

/** @type {Map<string, import('./bench-report.mjs').BenchRun>} */
const byName = new Map();
for (const [i, step] of steps.entries()) {
  console.log(`\n== bench: ${step.command} ${step.args.slice(1).join(' ')} (${elapsed()})`);
  const json = join(work, `${i}-${step.name}.json`);
  const started = Date.now();
  const args = step.jsonByEnv ? step.args : [...step.args, '--json', json];
  const code = await run(process.execPath, args, {
    ...step.env,
    ...(step.jsonByEnv ? { PARLOR_BENCH_JSON: json } : {}),
  });
  const report = existsSync(json) ? JSON.parse(readFileSync(json, 'utf8')) : null;
  const seconds = (Date.now() - started) / 1000;
  const before = byName.get(step.name);
  byName.set(step.name, {
    name: step.name,
    command: step.command,
    code: Math.max(code, before?.code ?? 0),
    seconds: seconds + (before?.seconds ?? 0),
    // A second run of the same benchmark (the server at 10,000 visitors) joins the first.
    report: before?.report && report ? mergeReports([before.report, report]) : (report ?? before?.report ?? null),
  });
  console.log(`== bench: ${step.command} ${code === 0 && report ? 'done' : 'FAILED'} in ${seconds.toFixed(0)} s`);
}
const runs = [...byName.values()];

// ——— The machine, the report, the chart ———

const chromium = execFileSync(process.env.CHROME_PATH, ['--version'], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'ignore'],
});
const os = existsSync('/etc/os-release')
  ? (/^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? process.platform)
  : process.platform;
const cpu = cpus();
/** @type {[string, string][]} */
const machine = [
  ['CPU', `${cpu[0]?.model.trim() ?? 'unknown'}, ${cpu.length} cores${cpu[0]?.speed ? ` at ${cpu[0].speed} MHz` : ''}`],
  ['memory', `${(totalmem() / 2 ** 30).toFixed(1)} GB`],
  ['OS', `${os}, ${process.platform} ${release()}`],
  ['Node', process.version],
  ['Chromium', chromium.trim().replace(/ built on .*/, '')],
  ['load average at start (1 / 5 / 15 min)', startLoad.map((l) => l.toFixed(2)).join(' / ')],
  ['date', date],
];
const seconds = (Date.now() - t0) / 1000;
const docFile = join(root, 'docs/benchmarks.md');
const figures = Object.fromEntries(runs.filter((r) => r.report).map((r) => [r.name, r.report?.figures]));
const { svg, bars } = chartSvg(figures, {
  date,
  machine: `${machine[0]?.[1]}, ${machine[1]?.[1]}, ${os}, Node ${process.version}, ${machine[4]?.[1]}${SHORT ? '; short run' : ''}`,
});
const body = section(runs, {
  date,
  mode: SHORT ? 'short (`pnpm bench --short`: small loads, few runs)' : 'full (`pnpm bench`)',
  seconds,
  machine,
  chart: 'bench-chart.svg',
});
const prettier = await import('prettier');
const markdown = await prettier.format(replaceSection(readFileSync(docFile, 'utf8'), body), {
  ...(await prettier.resolveConfig(docFile)),
  filepath: docFile,
});
const problems = await checkReport({ markdown, svg, bars, runs });
// Only a complete, clean full run replaces the page in docs/; anything else goes to a temporary folder.
const complete = !SHORT && !only && problems.length === 0 && runs.every((r) => r.report && r.code === 0);
const outFile = values.out ?? (complete ? docFile : join(work, 'out/benchmarks.md'));
const chartFile = join(dirname(outFile), 'bench-chart.svg');
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, markdown);
writeFileSync(chartFile, svg);

// ——— Summary ———

const targets = runs.flatMap((r) => r.report?.targets ?? []);
const count = (/** @type {boolean | null} */ met) => targets.filter((t) => t.met === met).length;
console.log(`\n== bench: ${SHORT ? 'short run' : 'full run'} done in ${seconds.toFixed(0)} s`);
for (const r of runs)
  console.log(
    `  ${r.command.padEnd(18)} ${r.report && r.code === 0 ? 'figures' : 'FAILED '} in ${r.seconds.toFixed(0)} s`,
  );
console.log(`  targets: ${count(true)} met, ${count(false)} not met, ${count(null)} not checked at this load`);
const shown = (/** @type {string} */ file) => (file.startsWith(root) ? relative(root, file) : file);
console.log(`  report: ${shown(outFile)}, chart: ${shown(chartFile)} (${bars.length} bars)`);
for (const p of problems) console.error(`  report check: ${p}`);
const passed = runs.filter((r) => r.report && r.code === 0).length;
const failed = runs.length - passed + (problems.length > 0 ? 1 : 0);
console.log(`# pass ${passed}\n# fail ${failed}`);
// The benchmarks' JSON stays beside a report written to the temporary folder, to look at; otherwise it goes.
if (!outFile.startsWith(work)) rmSync(work, { recursive: true, force: true });
process.exit(failed > 0 ? 1 : 0);
