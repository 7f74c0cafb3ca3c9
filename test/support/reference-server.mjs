// Starts the reference server (examples/server/dist) in this process, on loopback, with a sites file given
// as an object: the one way the browser-test plugin and the benchmarks run it. `pnpm build` first.
import { createServer } from 'node:http';
import { join } from 'node:path';

/** @type {Promise<any> | undefined} */
let modules;

function load() {
  const base = new URL('../../examples/server/dist/', import.meta.url);
  modules ??= Promise.all([
    import(new URL('server.js', base).href),
    import(new URL('storage/sqlite-storage.js', base).href),
    import(new URL('config.js', base).href),
    import(new URL('../../packages/core/dist/protocol/index.js', import.meta.url).href),
  ]).then(([server, storage, config, protocol]) => ({
    ...server,
    ...storage,
    ...config,
    DEFAULT_LIMITS: protocol.DEFAULT_LIMITS,
  }));
  return modules;
}

/**
 * Starts a server with SQLite storage in `dataDir`, quiet, with the default limits (plus `limits`).
 *
 * @param {{ sitesFile: unknown, dataDir: string, port?: number, limits?: Record<string, unknown>, testFixtures?: boolean }} options
 *   `testFixtures` serves the Shopify storefront fixture (off unless a test asks for it).
 * @returns {Promise<{ server: any, storage: any }>} `port` 0 (the default) picks a free one: `server.port`.
 */
export async function startReferenceServer({ sitesFile, dataDir, port = 0, limits = {}, testFixtures = false }) {
  const m = await load();
  const sites = m.parseSitesFile(sitesFile);
  const storage = m.createSqliteStorage({ file: join(dataDir, 'parlor.db') });
  await storage.migrate();
  const server = await m.startServer({
    config: {
      port,
      host: '127.0.0.1',
      dataDir,
      publicUrl: null,
      sites: sites.sites,
      agents: sites.agents,
      limits: { ...m.DEFAULT_LIMITS, attachmentTypes: [...m.DEFAULT_LIMITS.attachmentTypes], ...limits },
      maxConnectionsPerIp: 10_000,
      helloTimeoutMs: 10_000,
      trustProxy: false,
      logLevel: 'silent',
      testFixtures,
    },
    storage,
  });
  return { server, storage };
}

/** A port nobody listens on, for a server that must know its own origin (to allow it) before it starts. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
