// Browser tests for every package, in headless Chromium (scripts/ensure-chromium.mjs finds or installs it).
// Tests import TypeScript source through the "@parlor/source" export condition; smoke tests under
// test/browser load the built files on purpose.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter } from '@web/test-runner';
import { chromeLauncher } from '@web/test-runner-chrome';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reactEsmPlugin } from './packages/react/test/react-esm-plugin.mjs';
import { parlorServerPlugin } from './test/support/server-plugin.mjs';

/** Prints "wtr: N passed, N failed, N skipped" at exit: the line scripts/test.mjs sums. */
function countsReporter() {
  return {
    /** @param {{ sessions: any[] }} args */
    onTestRunFinished({ sessions }) {
      let passed = 0;
      let failed = 0;
      let skipped = 0;
      /** @param {any} suite */
      const walk = (suite) => {
        for (const t of suite.tests) {
          if (t.skipped) skipped++;
          else if (t.passed) passed++;
          else failed++;
        }
        suite.suites.forEach(walk);
      };
      for (const session of sessions) {
        const before = failed;
        if (session.testResults) walk(session.testResults);
        if (!session.passed && failed === before) failed++; // the file failed to load or threw outside a test
      }
      process.once('exit', () => console.log(`wtr: ${passed} passed, ${failed} failed, ${skipped} skipped`));
    },
  };
}

export default {
  files: ['packages/*/src/**/*.test.ts', 'examples/*/console/src/**/*.test.ts', 'test/browser/**/*.test.ts'],
  nodeResolve: { exportConditions: ['@parlor/source', 'development', 'browser'] },
  plugins: [
    parlorServerPlugin(),
    // React is CommonJS: @parlor/react's tests get it as ES modules.
    reactEsmPlugin(),
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: new URL('tsconfig.base.json', import.meta.url).pathname }),
  ],
  reporters: [defaultReporter(), countsReporter()],
  // One page at a time: a second page runs in the background, where Chromium still throttles timers and frames
  // despite the flags below, and a test that waits on them can stall for a minute. The suite stays well under
  // two minutes this way.
  concurrency: 1,
  // Lit's one-line dev-mode notice is expected under the "development" condition; keep real logs visible.
  filterBrowserLogs: (/** @type {{ args: unknown[] }} */ { args }) => !String(args[0]).startsWith('Lit is in dev mode'),
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-dev-shm-usage',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          // Two test pages run at once and only one can be in front: keep the other's timers and frames
          // running, or anything waiting on a frame (rendering, scrolling) stalls until it times out.
          '--disable-background-timer-throttling',
          '--disable-renderer-backgrounding',
          '--disable-backgrounding-occluded-windows',
          `--user-data-dir=${mkdtempSync(join(tmpdir(), 'wtr-chrome-'))}`,
        ],
      },
    }),
  ],
  testFramework: { config: { timeout: 10000 } },
};
