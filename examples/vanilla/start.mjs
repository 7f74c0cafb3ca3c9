#!/usr/bin/env node
// `pnpm --filter @parlor/example-vanilla start`: the reference server (with this example's site, sites.json) on
// :8787, and this page on :8080 — two origins, as a real site and its chat server would be. Builds the server and
// the widget first if they are not built. Ctrl+C stops both.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const here = (/** @type {string} */ path) => fileURLToPath(new URL(path, import.meta.url));
const chatPort = Number(process.env.CHAT_PORT ?? 8787);
const pagePort = Number(process.env.PAGE_PORT ?? 8080);
const chat = `http://localhost:${chatPort}`;

if (!existsSync(here('../server/dist/main.js')) || !existsSync(here('../../packages/widget/dist/cdn/parlor.js'))) {
  console.log('Building the server and the widget once…');
  const pnpm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npx', '-y', 'pnpm@10.34.9'];
  const [cmd = 'npx', ...args] = pnpm;
  const built = spawnSync(cmd, [...args, '--filter', '@parlor/example-server...', 'build'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const server = spawn(process.execPath, ['dist/main.js'], {
  cwd: here('../server/'),
  stdio: 'inherit',
  env: { ...process.env, PORT: String(chatPort), PARLOR_SITES_FILE: here('sites.json'), DATA_DIR: here('.data') },
});
server.once('exit', (code) => {
  console.error(`The Parlor server stopped (${code}).`);
  process.exit(1);
});

// The page as a static host would serve it; the script tag names the chat server, rewritten if CHAT_PORT moved it.
const files = {
  '/': ['index.html', 'text/html'],
  '/page.css': ['page.css', 'text/css'],
  '/theme.css': ['theme.css', 'text/css'],
};
const page = createServer((req, res) => {
  const file = files[/** @type {keyof typeof files} */ (new URL(req.url ?? '/', 'http://x').pathname)];
  if (!file) return void res.writeHead(404).end('Not found');
  const body = readFileSync(here(file[0]), 'utf8').replaceAll('http://localhost:8787', chat);
  res.writeHead(200, { 'content-type': `${file[1]}; charset=utf-8` }).end(body);
});
page.listen(pagePort, () => {
  const agent = JSON.parse(readFileSync(here('sites.json'), 'utf8')).agents[0];
  console.log(`\n  The page:       http://localhost:${pagePort}/`);
  console.log(`  Agent console:  ${chat}/agent  (token: ${agent.token})\n`);
});

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM']))
  process.once(signal, () => {
    server.removeAllListeners('exit');
    server.kill('SIGTERM');
    page.close(() => process.exit(0));
  });
