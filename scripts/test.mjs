#!/usr/bin/env node
// `pnpm test`: everything CI checks, in one command, ending with one plain line "N passed, N failed".
// Steps run in order; a failing step is reported and the rest still run, so one run shows every problem.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { findChromium } from './ensure-chromium.mjs';
import { startServices } from './services.mjs';

const pnpm = process.env.npm_execpath
  ? [process.execPath, process.env.npm_execpath]
  : ['npx', '-y', `pnpm@${process.env.npm_package_packageManager?.split('@')[1] ?? '10.34.9'}`];

/** Node's test runner over the `*.test.ts` files of a root folder (TypeScript through tsx, one file at a time). */
/** @param {string} dir @returns {string[]} */
const nodeTests = (dir) => [
  'exec',
  'node',
  '--conditions=@parlor/source',
  '--import',
  'tsx',
  '--test',
  '--test-reporter=tap',
  '--test-concurrency=1',
  ...readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `${dir}/${f}`),
];

/** @type {[label: string, args: string[], options?: { services?: boolean }][]} */
const STEPS = [
  ['build', ['-r', 'build']],
  ['typecheck', ['typecheck']],
  ['lint', ['lint']],
  ['package exports', ['lint:packages']],
  ['size', ['size']],
  ['docs', ['run', 'docs']], // `pnpm docs` is npm's "open the homepage": run the script by name
  ['changesets', ['exec', 'changeset', 'status']],
  // The scale-out tests need PostgreSQL and Redis: started (installed first if needed) just for this step.
  ['node tests', ['-r', '--no-bail', '--workspace-concurrency=1', 'test'], { services: true }],
  ['browser tests', ['exec', 'web-test-runner']],
  // Whole-system suites in Chromium against real server processes (the build above); the scale-out faults need
  // the services too. The server's own security tests ran with the node tests; the XSS suite runs here.
  ['security in Chromium', nodeTests('test/security')],
  ['end-to-end and fault tests', nodeTests('test/e2e'), { services: true }],
  // Last, on the build above: every benchmark once in its short mode (scripts/bench.mjs starts the server bench's
  // PostgreSQL and Redis itself). Its figures are printed, never judged; it counts each benchmark that produced
  // figures as passed ("# pass N"), and fails only when one crashes or produces none.
  ['benchmarks (short)', ['exec', 'node', 'scripts/bench.mjs', '--short', '--skip-build']],
];

/** Runs one step, streaming its output, and returns its exit code and what it printed. */
/** @param {string[]} args @returns {Promise<{ code: number, out: string }>} */
function run(args) {
  return new Promise((resolve) => {
    const [cmd = 'npx', ...rest] = pnpm;
    const child = spawn(cmd, [...rest, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let out = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (/** @type {Buffer} */ chunk) => {
        out += chunk;
        (stream === child.stdout ? process.stdout : process.stderr).write(chunk);
      });
    }
    child.on('close', (/** @type {number | null} */ code) => resolve({ code: code ?? 1, out }));
  });
}

process.env.CHROME_PATH = findChromium();
const t0 = Date.now();
let passed = 0;
let failed = 0;
const broken = [];
for (const [label, args, options] of STEPS) {
  console.log(`\n== ${label} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  /** @type {Awaited<ReturnType<typeof startServices>> | null} */
  let services = null;
  if (options?.services && !(process.env.DATABASE_URL && process.env.REDIS_URL)) {
    try {
      services = await startServices();
    } catch (error) {
      console.error(`PostgreSQL/Redis could not be started: ${/** @type {Error} */ (error).message}`);
      if (process.env.CI) {
        broken.push(`${label} (services)`);
        failed++;
      }
    }
  }
  if (services) Object.assign(process.env, { DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl });
  const { code, out } = await run(args);
  if (services) {
    await services.stop();
    delete process.env.DATABASE_URL;
    delete process.env.REDIS_URL;
  }
  let counted = 0;
  for (const [, n = '0'] of out.matchAll(/# pass (\d+)$/gm)) {
    passed += +n;
    counted++;
  }
  for (const [, n = '0'] of out.matchAll(/# fail (\d+)$/gm)) failed += +n;
  for (const [, p = '0', f = '0'] of out.matchAll(/wtr: (\d+) passed, (\d+) failed/gm)) {
    passed += +p;
    failed += +f;
    counted++;
  }
  if (code !== 0) broken.push(label);
  if (code !== 0 && counted === 0) failed++; // a step that failed outside any test counts once
}
console.log(
  `\n== done in ${((Date.now() - t0) / 1000).toFixed(0)} s${broken.length ? `; failing: ${broken.join(', ')}` : ''}`,
);
console.log(`${passed} passed, ${failed} failed`);
process.exit(broken.length || failed ? 1 : 0);
