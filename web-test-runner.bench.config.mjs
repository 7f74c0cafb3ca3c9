// `pnpm bench:client`: the benchmark files, one at a time, with the real server. Same browser and
// plugins as the tests (web-test-runner.config.mjs); figures are printed, not asserted, so the tests' count line
// is left out (a benchmark is not a test). `pnpm bench` (scripts/bench.mjs) sets PARLOR_BENCH_SHORT for a reduced
// run and PARLOR_BENCH_JSON for the file the report is written to.
import { defaultReporter } from '@web/test-runner';
import base from './web-test-runner.config.mjs';
import { writeReport } from './scripts/bench-support.mjs';

/** The page's side of `pnpm bench`: its options, and a report to write as JSON. */
function benchPlugin() {
  return {
    name: 'parlor-bench',
    /** @param {{ command: string, payload: unknown }} args */
    executeCommand({ command, payload }) {
      if (command === 'parlor-bench-options') return { short: Boolean(process.env.PARLOR_BENCH_SHORT) };
      if (command !== 'parlor-bench-figures') return undefined;
      writeReport(process.env.PARLOR_BENCH_JSON, /** @type {any} */ (payload));
      return true;
    },
  };
}

export default {
  ...base,
  files: ['packages/core/bench/**/*.bench.ts'],
  plugins: [benchPlugin(), ...base.plugins],
  reporters: [defaultReporter()],
  concurrency: 1,
  testFramework: { config: { timeout: 600_000 } },
  testsFinishTimeout: 900_000,
};
