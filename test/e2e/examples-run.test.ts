/**
 * Each example's README gives one command to run it. This runs those commands as written (through pnpm, with
 * the ports they document), opens the page each prints in Chromium, and sends a message through the widget to
 * the reference server the command started. The other suites load the examples' built files; this one proves
 * the command a newcomer types first.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, watchProblems, Widget } from './support/browser.js';
import { until } from './support/servers.js';

const CHAT = 'http://localhost:8787';

/** The README commands: the package and script, and the page the command serves. */
const EXAMPLES = [
  { name: 'vanilla', pkg: '@parlor/example-vanilla', script: 'start', page: 'http://localhost:8080/' },
  { name: 'vite', pkg: '@parlor/example-vite', script: 'dev', page: 'http://localhost:5174/' },
  { name: 'react', pkg: '@parlor/example-react', script: 'dev', page: 'http://localhost:5173/' },
] as const;

/** True when something accepts connections on `port` of localhost. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: 'localhost', port });
    socket.once('connect', () => resolve(!socket.destroy()));
    socket.once('error', () => resolve(false));
  });
}

/** pnpm as the test runner's own (`npm_execpath`), else the pinned one through npx, as the READMEs say. */
function pnpm(args: string[]): ChildProcess {
  const execPath = process.env.npm_execpath;
  const [command, ...rest] = execPath?.includes('pnpm')
    ? [process.execPath, execPath, ...args]
    : ['npx', '-y', 'pnpm@10.34.9', ...args];
  return spawn(command ?? 'npx', rest, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Stops the command and everything it started (its process group), and waits for the ports to close. */
async function stop(child: ChildProcess, ports: number[]): Promise<void> {
  if (child.exitCode === null && child.pid) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  }
  await until('the ports to close', async () => !(await Promise.all(ports.map(listening))).some(Boolean), 10_000);
}

describe('the examples run with their README command', { timeout: 600_000 }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  for (const example of EXAMPLES) {
    it(`${example.name}: \`pnpm --filter ${example.pkg} ${example.script}\` serves a page whose widget chats`, async () => {
      const readme = readFileSync(new URL(`../../examples/${example.name}/README.md`, import.meta.url), 'utf8');
      assert.ok(
        readme.includes(`npx -y pnpm@10.34.9 --filter ${example.pkg} ${example.script}`),
        'the README gives this command',
      );
      assert.ok(readme.includes(example.page.replace(/\/$/, '')), 'the README names this page');
      const pagePort = Number(new URL(example.page).port);
      for (const port of [8787, pagePort])
        assert.equal(await listening(port), false, `port ${port} is taken: the command needs it free`);
      const child = pnpm(['--filter', example.pkg, example.script]);
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      try {
        await until(
          'the server and the page',
          async () => {
            if (child.exitCode !== null) throw new Error(`the command exited (${child.exitCode}):\n${output}`);
            const [health, page] = await Promise.all([fetch(`${CHAT}/health`), fetch(example.page)]);
            return health.ok && page.ok;
          },
          120_000,
          250,
        ).catch((error: Error) => {
          throw new Error(`${error.message}\n--- output ---\n${output}`);
        });
        assert.match(output, new RegExp(`${CHAT}/agent`), 'the command prints where the agent console is');

        const context = await browser.newContext();
        const page = await context.newPage();
        const problems = watchProblems(page);
        await page.goto(example.page);
        const widget = new Widget(page);
        await widget.open();
        await widget.type(`hello from the ${example.name} example`);
        await until('the message stored', async () => {
          const state = await widget.state();
          return state.stored >= 1 && state.pending === 0 && state.conversation;
        });
        assert.ok((await widget.shown()).includes(`visitor: hello from the ${example.name} example`));
        assert.deepEqual(problems, []);
        await context.close();
      } finally {
        await stop(child, [8787, pagePort]);
      }
    });
  }
});
