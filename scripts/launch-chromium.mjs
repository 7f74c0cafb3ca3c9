// The one way our scripts start headless Chromium: the system browser (CHROME_PATH, else
// /usr/bin/chromium, which scripts/ensure-chromium.mjs provides) with the flags that work on CI machines.
import { createRequire } from 'node:module';

/** Flags for a headless run without a sandbox, GPU or any background traffic of the browser's own. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches Chromium through the browser driver the example server already depends on. */
export function launchChromium() {
  const { chromium } = createRequire(new URL('../examples/server/package.json', import.meta.url))('playwright-core');
  return chromium.launch({ executablePath: process.env.CHROME_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}
