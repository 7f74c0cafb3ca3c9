#!/usr/bin/env node
// `pnpm bench:widget`: what the CDN widget costs a page, in real Chromium with the CPU slowed down.
//
// The same article page is loaded without Parlor and with the one-tag CDN install, each run in a fresh
// browser context (empty cache and storage), alternating, and the medians are compared. The reference
// server runs in this process (from examples/server/dist) and serves the CDN folder at /cdn/; the pages
// come from a second tiny server on another port, so the widget is cross-origin as on a real site.
// Run after `pnpm build` (the root script builds what it needs). Options: --runs N (default 5),
// --throttle N (CPU slowdown, default 4), --settle MS (quiet time before "interaction", default 2000), --json FILE.
// The tables, targets and the exit status on a first-time visitor's socket or database: bench-widget-report.mjs.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startReferenceServer } from '../test/support/reference-server.mjs';
import {
  benchOptions,
  instrument,
  launcherShown,
  ms,
  pageFigures,
  readMetrics,
  scriptAndTaskMs,
  writeReport,
} from './bench-support.mjs';
import { scriptMsFrom, startTrace, stopTrace } from './bench-trace.mjs';
import { widgetReport } from './bench-widget-report.mjs';
import { launchChromium } from './launch-chromium.mjs';

const SITE_ID = 'bench';
const OPEN_TIMEOUT_MS = 10_000;

const { runs: RUNS, throttle: THROTTLE, settleMs: SETTLE_MS, json: JSON_FILE } = benchOptions();

// ——— Servers ———

/** The reference server, in process, with one site that allows the page origin and its own. */
async function startParlorServer(/** @type {string} */ pageOrigin) {
  const dataDir = mkdtempSync(join(tmpdir(), 'parlor-bench-widget-'));
  // The server's origin is only known once it listens; pick the port first so the site can allow it.
  const port = await freePort();
  const { server: instance } = await startReferenceServer({
    sitesFile: {
      sites: [
        {
          id: SITE_ID,
          name: 'Widget benchmark',
          secrets: [{ kid: 'k1', secret: 'bench-widget-secret-0123456789-abcdefgh' }],
          allowedOrigins: [pageOrigin, `http://127.0.0.1:${port}`],
          auth: { allow: ['anonymous'] },
        },
      ],
      agents: [],
    },
    dataDir,
    port,
  });
  return {
    origin: `http://127.0.0.1:${instance.port}`,
    async close() {
      await instance.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const PARAGRAPHS = [
  'The harbour town wakes early. Before the first ferry leaves, the bakeries on the quay have already sold their first trays, and the fishing boats that went out at four are coming back in a loose line, gulls circling over the ones that did well.',
  'Most visitors arrive on the ten o’clock boat and leave on the five o’clock one, which gives them the hours in between for the old lighthouse, the covered market and, if the weather holds, the cliff path that runs north along the bay.',
  'The market is worth slowing down for. The stalls at the back sell what the island grows — small sweet tomatoes, three kinds of honey, a hard sheep’s cheese that keeps for months — and the sellers will happily let you taste before you buy.',
  'The cliff path is steeper than the map suggests. Take water, wear proper shoes and leave more time than you think you need: the views at the second headland are the reason people come back, and it would be a shame to rush them.',
  'In the evening the town empties out and the harbour belongs to the people who live here. The restaurants along the water put their tables out, the light goes golden and then pink, and nobody is in any hurry to go home.',
];

/** The article page; `script` is the only difference between the two variants. */
function articlePage(/** @type {string} */ title, /** @type {string} */ script) {
  const body = Array.from({ length: 4 }, (_, i) =>
    [`<h2>Part ${i + 1}</h2>`, ...PARAGRAPHS.map((p) => `<p>${p}</p>`)].join('\n'),
  ).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  body { font: 18px/1.6 Georgia, serif; margin: 0; color: #222; background: #fdfcf9; }
  header, footer { background: #1d3557; color: #fff; padding: 16px 24px; font-family: system-ui, sans-serif; }
  nav a { color: #fff; margin-right: 16px; }
  main { max-width: 680px; margin: 0 auto; padding: 24px; }
</style>
</head>
<body>
<header><nav><a href="#">Home</a><a href="#">Travel</a><a href="#">Food</a><a href="#">About</a></nav></header>
<main>
<article>
<h1>A day on the island</h1>
<p><em>Four hours between ferries, and how to spend them.</em></p>
${body}
</article>
</main>
<footer>© The Travel Pages</footer>
${script}
</body>
</html>
`;
}

/** Serves the two article pages: `/` without Parlor, `/with-parlor` with the one-tag CDN install. */
async function startPageServer() {
  /** @type {string} */
  let parlorOrigin = '';
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const script =
      path === '/with-parlor'
        ? `<script src="${parlorOrigin}/cdn/parlor.js" data-site-id="${SITE_ID}" data-server="${parlorOrigin}" async></script>`
        : '';
    if (path === '/favicon.ico') {
      res.writeHead(204).end(); // no icon, and no 404 in the console
      return;
    }
    if (path !== '/' && path !== '/with-parlor') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end(articlePage('A day on the island', script));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    setParlorOrigin: (/** @type {string} */ origin) => (parlorOrigin = origin),
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}

// ——— In-page instrumentation ———

/**
 * Resolves when the composer's textarea exists and has focus: `parlor-chat` → `parlor-panel` →
 * `parlor-composer` → textarea, each through its shadow root. Times out with the stage it reached.
 */
function waitComposerFocused(/** @type {number} */ timeoutMs) {
  return new Promise((resolve) => {
    const deadline = performance.now() + timeoutMs;
    const check = () => {
      const panel = document.querySelector('parlor-chat')?.shadowRoot?.querySelector('parlor-panel');
      const composer = panel?.shadowRoot?.querySelector('parlor-composer');
      const textarea = composer?.shadowRoot?.querySelector('textarea');
      if (textarea?.matches(':focus')) return { at: performance.now() };
      if (performance.now() < deadline) return undefined;
      const stage = !customElements.get('parlor-panel')
        ? '<parlor-panel> was never defined (the panel chunk did not register it)'
        : !panel
          ? 'no <parlor-panel> in the launcher’s shadow root'
          : !composer
            ? 'no <parlor-composer> in the panel’s shadow root'
            : !textarea
              ? 'no textarea in the composer’s shadow root'
              : 'the composer’s textarea never got focus';
      return { error: `${stage} after ${timeoutMs / 1000} s` };
    };
    const done = (/** @type {any} */ result) => {
      document.removeEventListener('focusin', onFocus, true);
      resolve({ ...result, clickAt: /** @type {any} */ (window).__bench.clickAt });
    };
    const onFocus = () => {
      const result = check();
      if (result?.at !== undefined) done(result);
    };
    // focusin is composed, so focus moving anywhere inside the shadow trees reaches the document.
    document.addEventListener('focusin', onFocus, true);
    const frame = () => {
      const result = check();
      if (result) done(result);
      else requestAnimationFrame(frame);
    };
    frame();
  });
}

// ——— One run ———

/** Heap in use after a full collection, so garbage waiting to be swept does not count. */
async function heapAfterGc(/** @type {any} */ cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  return (await readMetrics(cdp)).JSHeapUsedSize ?? NaN;
}

/** A page in a fresh context (empty cache and storage) with the CPU slowed and the metrics on. */
async function openPage(/** @type {any} */ browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(instrument);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
  await cdp.send('Performance.enable');
  await cdp.send('Network.enable');
  await startTrace(cdp);
  /** @type {{ sockets: string[], scripts: { url: string, bytes: number }[], errors: string[] }} */
  const seen = { sockets: [], scripts: [], errors: [] };
  // Errors the page reports explain an open that never becomes interactive.
  page.on('pageerror', (/** @type {Error} */ error) => seen.errors.push(firstLine(error)));
  page.on('console', (/** @type {any} */ message) => {
    if (message.type() === 'error') seen.errors.push(firstLine(message.text()));
  });
  /** @type {Map<string, string>} */
  const scriptRequests = new Map();
  cdp.on('Network.webSocketCreated', (/** @type {{ url: string }} */ e) => seen.sockets.push(e.url));
  cdp.on('Network.requestWillBeSent', (/** @type {any} */ e) => {
    if (e.type === 'Script') scriptRequests.set(e.requestId, e.request.url);
  });
  cdp.on('Network.loadingFinished', (/** @type {any} */ e) => {
    const url = scriptRequests.get(e.requestId);
    if (url) seen.scripts.push({ url, bytes: e.encodedDataLength });
  });
  return { context, page, cdp, seen };
}

/**
 * Loads a page and waits until it is quiet: load event, launcher (if any), then `SETTLE_MS`. Resolves
 * with why the launcher never appeared (within 10 s), or undefined.
 */
async function loadAndSettle(
  /** @type {any} */ page,
  /** @type {string} */ url,
  /** @type {boolean} */ withParlor,
  /** @type {{ errors: string[] }} */ seen,
) {
  const errorsBefore = seen.errors.length;
  await page.goto(url, { waitUntil: 'load' });
  let problem;
  if (withParlor) {
    const shown = await launcherShown(page);
    if (!shown) {
      problem = await page.evaluate(() => {
        const chat = document.querySelector('parlor-chat');
        if (!chat)
          return `no <parlor-chat> on the page (window.Parlor: ${typeof (/** @type {any} */ (window).Parlor)})`;
        if (!customElements.get('parlor-chat')) return '<parlor-chat> was never defined';
        if (!chat.shadowRoot?.querySelector('[part~="launcher"]')) return 'no launcher in the shadow root';
        return 'the launcher has no box or is hidden';
      });
      const error = seen.errors[errorsBefore];
      if (error) problem += `; the page reported: ${error.slice(0, 160)}`;
    }
  }
  await page.waitForTimeout(SETTLE_MS);
  return problem;
}

/** Everything measured up to the moment a visitor would interact. */
async function beforeInteraction(
  /** @type {any} */ page,
  /** @type {any} */ cdp,
  /** @type {any} */ seen,
  /** @type {string} */ parlorOrigin,
) {
  const ownScriptMs = scriptMsFrom(await stopTrace(cdp), parlorOrigin);
  const metrics = await readMetrics(cdp);
  const inPage = {
    ...(await pageFigures(page)),
    databases: await page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name ?? '')),
  };
  return {
    ...inPage,
    ownScriptMs,
    ...scriptAndTaskMs(metrics),
    heap: await heapAfterGc(cdp),
    sockets: [...seen.sockets],
    scripts: [...seen.scripts],
  };
}

/** Clicks the launcher as a visitor would and times click → composer focused (at most 10 s). */
async function openToInteractive(/** @type {any} */ page, /** @type {{ errors: string[] }} */ seen) {
  const errorsBefore = seen.errors.length;
  const withPageError = (/** @type {string} */ reason) => {
    const error = seen.errors[errorsBefore];
    return error ? `${reason}; the page reported: ${error.slice(0, 160)}` : reason;
  };
  await page.evaluate(() => {
    // Timed from the press: pointerdown is composed, so the launcher's reaches the window.
    addEventListener(
      'pointerdown',
      () => {
        const bench = /** @type {any} */ (window).__bench;
        bench.clickAt ??= performance.now();
      },
      { capture: true, once: true },
    );
  });
  // A plain mouse press at the launcher's centre, through the browser's input pipeline. The driver's own click
  // would run its actionability checks inside the page during the very interval being timed.
  const centre = await page.evaluate(() => {
    const launcher = document.querySelector('parlor-chat')?.shadowRoot?.querySelector('[part~="launcher"]');
    const box = launcher?.getBoundingClientRect();
    return box && box.width > 0 ? { x: box.x + box.width / 2, y: box.y + box.height / 2 } : undefined;
  });
  if (!centre) return { error: withPageError('the launcher has no box to click') };
  await page.mouse.click(centre.x, centre.y);
  const result = await page.evaluate(waitComposerFocused, OPEN_TIMEOUT_MS);
  if (result.error) return { error: withPageError(result.error) };
  return { ms: result.at - result.clickAt };
}

const firstLine = (/** @type {unknown} */ error) =>
  String(error instanceof Error ? error.message : error).split('\n')[0] ?? '';

async function runBaseline(/** @type {any} */ browser, /** @type {string} */ url, /** @type {string} */ parlorOrigin) {
  const { context, page, cdp, seen } = await openPage(browser);
  try {
    await loadAndSettle(page, url, false, seen);
    return await beforeInteraction(page, cdp, seen, parlorOrigin);
  } finally {
    await context.close();
  }
}

async function runWithParlor(
  /** @type {any} */ browser,
  /** @type {string} */ url,
  /** @type {string} */ parlorOrigin,
) {
  const { context, page, cdp, seen } = await openPage(browser);
  try {
    const missing = await loadAndSettle(page, url, true, seen);
    if (missing) return { launcherError: missing };
    const before = await beforeInteraction(page, cdp, seen, parlorOrigin);
    const firstOpen = await openToInteractive(page, seen);
    const heapAfterOpen = firstOpen.error ? NaN : await heapAfterGc(cdp);
    // Second visit, same context: the HTTP cache keeps the chunks; storage is cleared, so the widget
    // neither reopens by itself nor preloads the panel as for a returning visitor.
    /** @type {{ ms?: number, error?: string }} */
    let cachedOpen = { error: 'skipped: the first open failed' };
    if (!firstOpen.error) {
      await cdp.send('Storage.clearDataForOrigin', {
        origin: new URL(url).origin,
        storageTypes: 'local_storage,indexeddb,websql,service_workers,cache_storage',
      });
      await page.evaluate(() => sessionStorage.clear());
      const gone = await loadAndSettle(page, url, true, seen);
      cachedOpen = gone ? { error: `the launcher never appeared: ${gone}` } : await openToInteractive(page, seen);
    }
    return { ...before, firstOpen, cachedOpen, heapAfterOpen };
  } finally {
    await context.close();
  }
}

// ——— Main ———

const pages = await startPageServer();
const parlor = await startParlorServer(pages.origin);
pages.setParlorOrigin(parlor.origin);
const browser = await launchChromium();
try {
  const version = `Chromium ${browser.version()}`;
  console.log(`${version}; CPU ×${THROTTLE}; ${RUNS} runs per variant (plus one warm-up pair, not counted).`);
  const baseUrl = `${pages.origin}/`;
  const withUrl = `${pages.origin}/with-parlor`;
  await runBaseline(browser, baseUrl, parlor.origin);
  await runWithParlor(browser, withUrl, parlor.origin);
  /** @type {any[]} */
  const base = [];
  /** @type {any[]} */
  const withP = [];
  /** @type {string[]} */
  const noLauncher = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternate the variants so drift on a shared machine hits both alike.
    base.push(await runBaseline(browser, baseUrl, parlor.origin));
    const last = await runWithParlor(browser, withUrl, parlor.origin);
    if (last.launcherError) {
      // Nothing of the widget ran: the run says nothing about its cost, so it is left out of the medians.
      noLauncher.push(last.launcherError);
      console.log(`run ${i + 1}/${RUNS}: the launcher never appeared (${last.launcherError}); left out`);
      continue;
    }
    withP.push(last);
    console.log(
      `run ${i + 1}/${RUNS}: launcher ${ms(last.launcherAt)}, open ${last.firstOpen.error ? 'n/a' : ms(last.firstOpen.ms)} / cached ${last.cachedOpen.error ? 'n/a' : ms(last.cachedOpen.ms)}`,
    );
  }
  if (withP.length === 0) {
    console.error(`\nThe launcher never appeared in any run: ${noLauncher[0]}. Is packages/widget/dist/cdn built?`);
    process.exitCode = 1;
  } else {
    const result = widgetReport({
      version,
      base,
      withP,
      parlorOrigin: parlor.origin,
      throttle: THROTTLE,
      settleMs: SETTLE_MS,
    });
    writeReport(JSON_FILE, result);
    if (noLauncher.length > 0)
      console.log(`\n${noLauncher.length} of ${RUNS} runs left out, the launcher never appeared: ${noLauncher[0]}`);
  }
} finally {
  await browser.close();
  await parlor.close();
  await pages.close();
}
