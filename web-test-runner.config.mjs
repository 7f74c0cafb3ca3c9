// Browser tests for every package, in headless Chromium (scripts/ensure-chromium.mjs finds or installs it).
// Tests import TypeScript source through the "@parlor/source" export condition; smoke tests under
// test/browser load the built files on purpose.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter } from '@web/test-runner';
import { chromeLauncher } from '@web/test-runner-chrome';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reactEsmPlugin, reactTestPage } from './packages/react/test/react-esm-plugin.mjs';
import { parlorServerPlugin } from './test/support/server-plugin.mjs';

/**
 * Prints "wtr: N passed, N failed, N skipped" at exit, every group together: the line scripts/test.mjs sums. When
 * more than one group ran, the same line ends with each group's own counts.
 */
function countsReporter() {
  return {
    /** @param {{ sessions: any[] }} args */
    onTestRunFinished({ sessions }) {
      /** @type {Map<string, { passed: number, failed: number, skipped: number }>} */
      const groups = new Map();
      for (const session of sessions) {
        const name = session.group?.name ?? 'default';
        const counts = groups.get(name) ?? { passed: 0, failed: 0, skipped: 0 };
        groups.set(name, counts);
        const before = counts.failed;
        /** @param {any} suite */
        const walk = (suite) => {
          for (const t of suite.tests) {
            if (t.skipped) counts.skipped++;
            else if (t.passed) counts.passed++;
            else counts.failed++;
          }
          suite.suites.forEach(walk);
        };
        if (session.testResults) walk(session.testResults);
        // The file failed to load or threw outside a test.
        if (!session.passed && counts.failed === before) counts.failed++;
      }
      const all = [...groups.values()];
      const sum = (/** @type {'passed' | 'failed' | 'skipped'} */ key) => all.reduce((n, c) => n + c[key], 0);
      const each = [...groups].map(([name, c]) => `${name} ${c.passed}/${c.failed}/${c.skipped}`).join(', ');
      const line = `wtr: ${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`;
      process.once('exit', () => console.log(groups.size > 1 ? `${line} (passed/failed/skipped: ${each})` : line));
    },
  };
}

/** The files given as `--files a b` or `--files=a` on the command line, or undefined when none were. */
function filesArgument(/** @type {string[]} */ argv = process.argv.slice(2)) {
  /** @type {string[] | undefined} */
  let files;
  argv.forEach((arg, i) => {
    if (arg.startsWith('--files=')) (files ??= []).push(arg.slice('--files='.length));
    else if (arg === '--files') {
      files ??= [];
      for (const value of argv.slice(i + 1)) {
        if (value.startsWith('-')) break;
        files.push(value);
      }
    }
  });
  return files;
}

/**
 * The tests of the React bindings again, on the oldest React their peer range allows. The plain command runs them
 * as well as every package's on React 19 (`--group react18` runs them alone); `--files` runs this group only over
 * the packages/react files it names, so running one file of another package runs nothing twice.
 * @returns {import('@web/test-runner').TestRunnerGroupConfig[]}
 */
function react18Group() {
  const named = filesArgument()?.filter((file) => file.startsWith('packages/react/'));
  const files = named ?? ['packages/react/src/**/*.test.ts'];
  return files.length ? [{ name: 'react18', files, testRunnerHtml: reactTestPage(18) }] : [];
}

export default {
  // The default group: every package, on the React 19 that @parlor/react develops with.
  files: ['packages/*/src/**/*.test.ts', 'examples/*/console/src/**/*.test.ts', 'test/browser/**/*.test.ts'],
  groups: react18Group(),
  nodeResolve: { exportConditions: ['@parlor/source', 'development', 'browser'] },
  plugins: [
    parlorServerPlugin(),
    // React is CommonJS: @parlor/react's tests get it as ES modules, React 19 or (the react18 group's page) 18.
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
