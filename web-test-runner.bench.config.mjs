// `pnpm bench:client`: the benchmark files, one at a time, with the real server. Same browser and
// plugins as the tests (web-test-runner.config.mjs); figures are printed, not asserted.
import base from './web-test-runner.config.mjs';

export default {
  ...base,
  files: ['packages/core/bench/**/*.bench.ts'],
  concurrency: 1,
  testFramework: { config: { timeout: 600_000 } },
  testsFinishTimeout: 900_000,
};
