/**
 * Entry point of the reference server: `pnpm demo` (or `node dist/main.js`).
 * Configuration comes from the environment (see config.ts): PORT (default 8787), DATA_DIR,
 * PARLOR_SITES_FILE, PUBLIC_URL, TRUST_PROXY, LOG_LEVEL. A bad configuration stops start-up with a
 * message naming the field.
 */
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config.js';
import { startServer } from './server.js';
import { createSqliteStorage } from './storage/sqlite-storage.js';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Parlor cannot start: bad configuration\n${error.message}`);
    process.exit(1);
  }
  throw error;
}

const storage = createSqliteStorage({ file: join(config.dataDir, 'parlor.db') });
await storage.migrate();
const server = await startServer({ config, storage });
const demoAgent = process.env.PARLOR_SITES_FILE ? null : config.agents[0];
console.log(`Parlor demo server
  visitor demo   ${server.url}/
  agent console  ${server.url}/agent${demoAgent ? `   (agent token: ${demoAgent.token})` : ''}
  health         ${server.url}/health
  websocket      ${server.url.replace(/^http/, 'ws')}/v1/connect`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
