// A reference-server process for the end-to-end suites: the server's build (examples/server/dist), started the
// way main.js starts it but with the sites, limits and port a test needs, so a test can `kill -9` it and start
// it again on the same port and data. Configured by one JSON environment variable, PARLOR_E2E_SERVER:
// { sitesFile, dataDir, port, limits?, databaseUrl?, redisUrl?, testFixtures? }. Prints "listening <port>" once it serves.
import { join } from 'node:path';

const base = new URL('../../../examples/server/dist/', import.meta.url);
const options = JSON.parse(process.env.PARLOR_E2E_SERVER ?? '{}');
const [{ startServer }, { parseSitesFile }, protocol] = await Promise.all([
  import(new URL('server.js', base).href),
  import(new URL('config.js', base).href),
  import(new URL('../../../packages/core/dist/protocol/index.js', import.meta.url).href),
]);

let storage;
if (options.databaseUrl) {
  const { createPgStorage } = await import(new URL('storage/pg-storage.js', base).href);
  storage = createPgStorage({ connectionString: options.databaseUrl });
} else {
  const { createSqliteStorage } = await import(new URL('storage/sqlite-storage.js', base).href);
  storage = createSqliteStorage({ file: join(options.dataDir, 'parlor.db') });
}
await storage.migrate();
let fanout;
if (options.redisUrl) {
  const { createRedisFanout } = await import(new URL('fanout-redis.js', base).href);
  fanout = createRedisFanout({ url: options.redisUrl });
}
const sites = parseSitesFile(options.sitesFile);
const server = await startServer({
  config: {
    port: options.port ?? 0,
    host: '127.0.0.1',
    dataDir: options.dataDir,
    publicUrl: null,
    sites: sites.sites,
    agents: sites.agents,
    limits: {
      ...protocol.DEFAULT_LIMITS,
      attachmentTypes: [...protocol.DEFAULT_LIMITS.attachmentTypes],
      ...options.limits,
    },
    maxConnectionsPerIp: 10_000,
    helloTimeoutMs: 10_000,
    trustProxy: false,
    logLevel: 'warn',
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
    ...(options.testFixtures ? { testFixtures: true } : {}),
  },
  storage,
  ...(fanout ? { fanout } : {}),
});
console.log(`listening ${server.port}`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
