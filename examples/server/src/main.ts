/**
 * Entry point of the reference server: `pnpm demo` (or `node dist/main.js`).
 * Reads `PORT` (default 8787) and prints the URLs it serves.
 */
import { startServer } from './server.js';

const raw = process.env.PORT ?? '8787';
const port = Number(raw);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a whole number from 0 to 65535; got "${raw}"`);
  process.exit(1);
}

const server = await startServer({ port });
console.log(`Parlor demo server
  visitor demo   ${server.url}/
  agent console  ${server.url}/agent
  health         ${server.url}/health`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
