#!/usr/bin/env node
// `pnpm bench:shopify`: what the Shopify app embed costs a store, in real Chromium with the CPU slowed down.
//
// The storefront fixture's product page (the reference server's, an Online Store 2.0 page with Shopify's
// globals and Ajax Cart) is loaded with the app embed switched off and on, each run in a fresh browser
// context, alternating, and the medians are compared. "With" waits for the launcher (the loader starts the
// widget after the load event and an idle moment), then for the page to be quiet. Also prints the loader's
// gzip size. Run after `pnpm build` (the root script builds what it needs). Options: --runs N (default 5),
// --throttle N (CPU slowdown, default 4), --settle MS (quiet time after the launcher, default 2000), --json FILE
// (also write the report for `pnpm bench`).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { freePort, startReferenceServer } from '../test/support/reference-server.mjs';
import {
  benchOptions,
  count,
  instrument,
  launcherShown,
  median,
  ms,
  pageFigures,
  readMetrics,
  scriptAndTaskMs,
  shift,
  table,
  writeReport,
} from './bench-support.mjs';
import { launchChromium } from './launch-chromium.mjs';

const LOADER = new URL('../packages/shopify-loader/dist/parlor-shopify.js', import.meta.url);
const SITE_ID = 'bench-shop';
const { runs: RUNS, throttle: THROTTLE, settleMs: SETTLE_MS, json: JSON_FILE } = benchOptions();
const LOADER_BUDGET = 2048; // bytes gzip, as in size.config.json
const KEYS = ['longTasks', 'blocking', 'cls', 'fcp', 'load', 'scriptMs', 'taskMs'];

async function run(/** @type {any} */ browser, /** @type {string} */ url, /** @type {boolean} */ withEmbed) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await context.addInitScript(instrument);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
    await cdp.send('Performance.enable');
    await page.goto(url, { waitUntil: 'load' });
    if (withEmbed && !(await launcherShown(page, 15_000)))
      throw new Error('the launcher never appeared (is everything built?)');
    await page.waitForTimeout(SETTLE_MS);
    return { ...(await pageFigures(page)), ...scriptAndTaskMs(await readMetrics(cdp)) };
  } finally {
    await context.close();
  }
}

const port = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'parlor-bench-shopify-'));
const { server } = await startReferenceServer({
  sitesFile: {
    sites: [
      {
        id: SITE_ID,
        name: 'Shopify benchmark',
        secrets: [{ kid: 'k1', secret: 'bench-shopify-secret-0123456789-abcdefgh' }],
        allowedOrigins: [`http://127.0.0.1:${port}`],
        shopify: { shop: 'bench.myshopify.com', proxySecret: 'bench-shopify-app-secret-01234', storefront: true },
      },
    ],
    agents: [],
  },
  dataDir,
  port,
  testFixtures: true, // the storefront fixture is a test fixture: off unless asked for
});
const browser = await launchChromium();
try {
  const page = `http://127.0.0.1:${port}/fixture/shopify/${SITE_ID}/products/linen-shirt`;
  const loader = readFileSync(LOADER);
  console.log(`Chromium ${browser.version()}; CPU ×${THROTTLE}; ${RUNS} runs per variant (plus one warm-up pair).`);
  await run(browser, `${page}?embed=0`, false);
  await run(browser, page, true);
  /** @type {any[]} */
  const without = [];
  /** @type {any[]} */
  const withEmbed = [];
  for (let i = 0; i < RUNS; i++) {
    without.push(await run(browser, `${page}?embed=0`, false));
    withEmbed.push(await run(browser, page, true));
    console.log(`run ${i + 1}/${RUNS}: launcher at ${ms(withEmbed[i].launcherAt)}`);
  }
  const m = (/** @type {any[]} */ runs, /** @type {string} */ key) => median(runs.map((r) => r[key]));
  const row = (/** @type {string} */ name, /** @type {string} */ key, /** @type {(v: number) => string} */ fmt) => [
    name,
    fmt(m(without, key)),
    fmt(m(withEmbed, key)),
    fmt(m(withEmbed, key) - m(without, key)),
  ];
  const head = ['measure', 'app embed off', 'app embed on', 'added'];
  const rows = [
    row('long tasks, count', 'longTasks', count),
    row('total blocking time (Σ long task − 50 ms)', 'blocking', ms),
    row('cumulative layout shift', 'cls', shift),
    row('first contentful paint', 'fcp', ms),
    row('load event end', 'load', ms),
    row('script time (CDP ScriptDuration)', 'scriptMs', ms),
    row('main-thread task time (CDP)', 'taskMs', ms),
    ['launcher visible (from navigation start)', '—', ms(m(withEmbed, 'launcherAt')), '—'],
  ];
  const gzip = gzipSync(loader, { level: 9 }).length;
  const about =
    `Fixture product page, Chromium ${browser.version()}, CPU ×${THROTTLE}, medians of ${RUNS} runs; measured from ` +
    `navigation to load + launcher + ${SETTLE_MS} ms quiet. Loader: ${loader.length} B raw, ${gzip} B gzip (level 9).`;
  console.log(`\n## Shopify app embed benchmark\n\n${about}\n`);
  console.log(table(head, rows));
  const longTasks = [m(without, 'longTasks'), m(withEmbed, 'longTasks')];
  const cls = m(withEmbed, 'cls') - m(without, 'cls');
  writeReport(JSON_FILE, {
    bench: 'shopify',
    title: 'Shopify app embed',
    command: 'pnpm bench:shopify',
    about,
    tables: [{ head, rows }],
    targets: [
      {
        measure: 'long tasks, median count off → on',
        result: `${count(longTasks[0] ?? NaN)} → ${count(longTasks[1] ?? NaN)}`,
        target: 'none added',
        met: (longTasks[1] ?? NaN) <= (longTasks[0] ?? NaN),
      },
      { measure: 'cumulative layout shift added', result: shift(cls), target: '0', met: cls < 0.00005 },
      {
        measure: 'loader parlor-shopify.js, gzip',
        result: `${gzip} B`,
        target: `≤ ${LOADER_BUDGET} B`,
        met: gzip <= LOADER_BUDGET,
      },
    ],
    figures: {
      off: Object.fromEntries(KEYS.map((k) => [k, m(without, k)])),
      on: Object.fromEntries(KEYS.map((k) => [k, m(withEmbed, k)])),
      loaderGzip: gzip,
    },
  });
} finally {
  await browser.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
