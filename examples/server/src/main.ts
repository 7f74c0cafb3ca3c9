/**
 * Entry point of the reference server: `pnpm demo` (or `node dist/main.js`).
 * Configuration comes from the environment (see config.ts): PORT (default 8787), DATA_DIR,
 * PARLOR_SITES_FILE, PUBLIC_URL, TRUST_PROXY, LOG_LEVEL, and for running several processes
 * DATABASE_URL (PostgreSQL storage) and REDIS_URL (fan-out between processes). A bad configuration stops
 * start-up with a message naming the field.
 */
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config.js';
import { createRedisFanout } from './fanout-redis.js';
import { startServer } from './server.js';
import { createPgStorage } from './storage/pg-storage.js';
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

const storage = config.databaseUrl
  ? createPgStorage({ connectionString: config.databaseUrl })
  : createSqliteStorage({ file: join(config.dataDir, 'parlor.db') });
try {
  await storage.migrate();
} catch (error) {
  console.error(`Parlor cannot start: the database is not usable\n${(error as Error).message}`);
  process.exit(1);
}
const fanout = config.redisUrl ? createRedisFanout({ url: config.redisUrl }) : undefined;
const server = await startServer({ config, storage, ...(fanout ? { fanout } : {}) });
const demoAgent = process.env.PARLOR_SITES_FILE ? null : config.agents[0];
console.log(`Parlor demo server
  visitor demo   ${server.url}/
  agent console  ${server.url}/agent${demoAgent ? `   (agent token: ${demoAgent.token})` : ''}
  health         ${server.url}/health
  websocket      ${server.url.replace(/^http/, 'ws')}/v1/connect
  storage        ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `SQLite, ${join(config.dataDir, 'parlor.db')}`}
  fan-out        ${config.redisUrl ? 'Redis (REDIS_URL)' : 'in this process'}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
