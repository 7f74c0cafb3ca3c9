#!/usr/bin/env node
// Finds a Chrome or Chromium for the browser tests, honouring CHROME_PATH. When none is found and we
// run as root on Debian, installs Debian's `chromium`; otherwise stops and says how to get one.
// Usable as a module (findChromium) and as a command (prints the path, exit 1 when there is none).
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/** @param {string} path */
function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** @returns {string} the path of a Chrome/Chromium executable; installs one when it can. */
export function findChromium() {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    if (executable(fromEnv)) return fromEnv;
    throw new Error(`CHROME_PATH is set to "${fromEnv}", which is not an executable file.`);
  }
  const found = CANDIDATES.find(executable);
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get')) {
    console.log('No Chrome/Chromium found: installing Debian\'s "chromium" package (about 20 s)…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (executable('/usr/bin/chromium')) return '/usr/bin/chromium';
  }
  throw new Error(
    [
      'The browser tests need Chrome or Chromium, and none was found.',
      'Install one (Debian/Ubuntu: `sudo apt-get install chromium`; macOS: install Google Chrome),',
      'or point CHROME_PATH at an existing executable, then run the tests again.',
    ].join('\n'),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    console.log(findChromium());
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
