#!/usr/bin/env node
// `pnpm bench:shopify`: what the Shopify app embed costs a store, in real Chromium with the CPU slowed down.
//
// The storefront fixture's product page (the reference server's, an Online Store 2.0 page with Shopify's
// globals and Ajax Cart) is loaded with the app embed switched off and on, each run in a fresh browser
// context, alternating, and the medians are compared. "With" waits for the launcher (the loader starts the
// widget after the load event and an idle moment), then for the page to be quiet. Also prints the loader's
// gzip size. Run after `pnpm build` (the root script builds what it needs). Options: --runs N (default 5),
// --throttle N (CPU slowdown, default 4), --settle MS (quiet time after the launcher, default 2000).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { startReferenceServer } from '../test/support/reference-server.mjs';
import { launchChromium } from './launch-chromium.mjs';

const LOADER = new URL('../packages/shopify-loader/dist/parlor-shopify.js', import.meta.url);
const SITE_ID = 'bench-shop';

const { values: options } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    throttle: { type: 'string', default: '4' },
    settle: { type: 'string', default: '2000' },
  },
});
const RUNS = Math.max(1, Number.parseInt(options.runs, 10) || 5);
const THROTTLE = Math.max(1, Number(options.throttle) || 4);
const SETTLE_MS = Math.max(0, Number(options.settle) || 0);

/** A port nobody listens on: the site must allow the server's own origin before it starts. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

// Installed before any page script: long tasks, layout shifts, and when the launcher is first laid out.
function instrument() {
  /** @type {any} */
  const bench = { longTasks: [], shifts: [], launcherAt: null };
  bench.launcherShown = new Promise((resolve) => (bench.showLauncher = resolve));
  /** @type {any} */ (window).__bench = bench;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) bench.longTasks.push(entry.duration);
  }).observe({ type: 'longtask', buffered: true });
  new PerformanceObserver((list) => {
    for (const entry of /** @type {any[]} */ (list.getEntries()))
      if (!entry.hadRecentInput) bench.shifts.push(entry.value);
  }).observe({ type: 'layout-shift', buffered: true });
  const frame = () => {
    const box = document
      .querySelector('parlor-chat')
      ?.shadowRoot?.querySelector('[part~="launcher"]')
      ?.getBoundingClientRect();
    if (box && box.width > 0) bench.showLauncher((bench.launcherAt = performance.now()));
    else requestAnimationFrame(frame);
  };
  const watch = new MutationObserver(() => {
    if (!document.querySelector('parlor-chat')) return;
    watch.disconnect();
    requestAnimationFrame(frame);
  });
  watch.observe(document, { childList: true, subtree: true });
}

async function run(/** @type {any} */ browser, /** @type {string} */ url, /** @type {boolean} */ withEmbed) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await context.addInitScript(instrument);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
    await cdp.send('Performance.enable');
    await page.goto(url, { waitUntil: 'load' });
    if (withEmbed) {
      const shown = await page.evaluate(() =>
        Promise.race([
          /** @type {any} */ (window).__bench.launcherShown.then(() => true),
          new Promise((resolve) => setTimeout(() => resolve(false), 15_000)),
        ]),
      );
      if (!shown) throw new Error('the launcher never appeared (is everything built?)');
    }
    await page.waitForTimeout(SETTLE_MS);
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (/** @type {string} */ name) =>
      metrics.find((/** @type {any} */ m) => m.name === name)?.value ?? NaN;
    const inPage = await page.evaluate(() => {
      const bench = /** @type {any} */ (window).__bench;
      const nav = /** @type {PerformanceNavigationTiming} */ (performance.getEntriesByType('navigation')[0]);
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      return {
        longTasks: bench.longTasks.length,
        blocking: bench.longTasks.reduce(
          (/** @type {number} */ s, /** @type {number} */ d) => s + Math.max(0, d - 50),
          0,
        ),
        cls: bench.shifts.reduce((/** @type {number} */ s, /** @type {number} */ v) => s + v, 0),
        fcp: fcp ? fcp.startTime : NaN,
        load: nav.loadEventEnd,
        launcherAt: bench.launcherAt ?? NaN,
      };
    });
    return {
      ...inPage,
      scriptMs: metric('ScriptDuration') * 1000,
      taskMs: (metric('TaskDuration') - metric('DevToolsCommandDuration')) * 1000,
    };
  } finally {
    await context.close();
  }
}

const median = (/** @type {number[]} */ values) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};
const ms = (/** @type {number} */ v) => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : 'n/a');
const count = (/** @type {number} */ v) => (Number.isFinite(v) ? String(v) : 'n/a');
const shift = (/** @type {number} */ v) => (Number.isFinite(v) ? v.toFixed(4) : 'n/a');

function table(/** @type {string[]} */ head, /** @type {string[][]} */ rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (/** @type {string[]} */ cells) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
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
  console.log(`\n## Shopify app embed benchmark\n`);
  console.log(
    `Fixture product page, CPU ×${THROTTLE}, medians of ${RUNS} runs; measured from navigation to load + launcher + ${SETTLE_MS} ms quiet.\n`,
  );
  console.log(
    table(
      ['measure', 'app embed off', 'app embed on', 'added'],
      [
        row('long tasks, count', 'longTasks', count),
        row('total blocking time (Σ long task − 50 ms)', 'blocking', ms),
        row('cumulative layout shift', 'cls', shift),
        row('first contentful paint', 'fcp', ms),
        row('load event end', 'load', ms),
        row('script time (CDP ScriptDuration)', 'scriptMs', ms),
        row('main-thread task time (CDP)', 'taskMs', ms),
        ['launcher visible (from navigation start)', '—', ms(m(withEmbed, 'launcherAt')), '—'],
      ],
    ),
  );
  console.log(
    `\nLoader: packages/shopify-loader/dist/parlor-shopify.js, ${loader.length} B raw, ${gzipSync(loader, { level: 9 }).length} B gzip (level 9).`,
  );
} finally {
  await browser.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
