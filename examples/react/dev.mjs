#!/usr/bin/env node
// `pnpm dev`: the reference server (from source, with this app's site in sites.dev.json) on :8787, and the app
// on :5173. Builds the agent console once if it is missing. Ctrl+C stops both.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, createServer } from 'vite';

const here = (/** @type {string} */ path) => fileURLToPath(new URL(path, import.meta.url));
const serverDir = here('../server/');

if (!existsSync(here('../server/dist/console/index.html'))) {
  console.log('Building the agent console once…');
  await build({ configFile: here('../server/vite.console.config.ts') });
}

const server = spawn(process.execPath, ['--conditions=@parlor/source', '--import', 'tsx', 'src/main.ts'], {
  cwd: serverDir,
  stdio: 'inherit',
  env: { ...process.env, PORT: '8787', PARLOR_SITES_FILE: here('sites.dev.json'), DATA_DIR: here('.data') },
});
server.once('exit', (code) => {
  console.error(`The Parlor server stopped (${code}).`);
  process.exit(1);
});

const app = await createServer({ configFile: here('vite.config.ts') });
await app.listen();
app.printUrls();
const agent = JSON.parse(readFileSync(here('sites.dev.json'), 'utf8')).agents[0];
console.log(`  Agent console: http://localhost:8787/agent  (token: ${agent.token})`);

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM']))
  process.once(signal, () => {
    server.removeAllListeners('exit');
    server.kill('SIGTERM');
    void app.close().then(() => process.exit(0));
  });
