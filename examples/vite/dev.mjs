#!/usr/bin/env node
// `pnpm --filter @parlor/example-vite dev`: the reference server (with this example's site, sites.json) on :8787 and
// the app on :5174. Builds the widget and the server first if they are not built (the app imports the widget as
// an npm consumer does: its built files). Ctrl+C stops both.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const here = (/** @type {string} */ path) => fileURLToPath(new URL(path, import.meta.url));

if (!existsSync(here('../server/dist/main.js')) || !existsSync(here('../../packages/widget/dist/define.js'))) {
  console.log('Building the server and the widget once…');
  const pnpm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npx', '-y', 'pnpm@10.34.9'];
  const [cmd = 'npx', ...args] = pnpm;
  const built = spawnSync(cmd, [...args, '--filter', '@parlor/example-server...', 'build'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const server = spawn(process.execPath, ['dist/main.js'], {
  cwd: here('../server/'),
  stdio: 'inherit',
  env: { ...process.env, PORT: '8787', PARLOR_SITES_FILE: here('sites.json'), DATA_DIR: here('.data') },
});
server.once('exit', (code) => {
  console.error(`The Parlor server stopped (${code}).`);
  process.exit(1);
});

const app = await createServer({ configFile: here('vite.config.ts') });
await app.listen();
app.printUrls();
const agent = JSON.parse(readFileSync(here('sites.json'), 'utf8')).agents[0];
console.log(`  Agent console: http://localhost:8787/agent  (token: ${agent.token})`);

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM']))
  process.once(signal, () => {
    server.removeAllListeners('exit');
    server.kill('SIGTERM');
    void app.close().then(() => process.exit(0));
  });
