/**
 * PostgreSQL and Redis for the scale-out tests: the ones `pnpm test` started (DATABASE_URL, REDIS_URL),
 * or, when this package's tests run on their own, private ones started here by `scripts/services.mjs`.
 * Nothing is mocked: without real servers these tests fail (in CI) or are skipped with the reason.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

interface ServicesModule {
  startServices(): Promise<{ databaseUrl: string; redisUrl: string; stop(): Promise<void> }>;
  startRedis(options?: { port?: number; quiet?: boolean }): Promise<{
    url: string;
    port: number;
    stop(): Promise<void>;
    restart(whileDown?: () => Promise<void>): Promise<void>;
  }>;
}

const SERVICES_SCRIPT = new URL('../../../scripts/services.mjs', import.meta.url).href;

/** The services script (a plain ES module at the repository root). */
export const servicesModule = (): Promise<ServicesModule> => import(SERVICES_SCRIPT) as Promise<ServicesModule>;

/** Real services, or the reason there are none. */
export type Services =
  { ok: true; databaseUrl: string; redisUrl: string; stop(): Promise<void> } | { ok: false; reason: string };

/**
 * DATABASE_URL/REDIS_URL when set, else private servers. In CI a failure to get them throws: the
 * scale-out tests must never be silently skipped there.
 */
export async function useServices(): Promise<Services> {
  const { DATABASE_URL, REDIS_URL } = process.env;
  if (DATABASE_URL && REDIS_URL)
    return { ok: true, databaseUrl: DATABASE_URL, redisUrl: REDIS_URL, stop: async () => {} };
  try {
    const started = await (await servicesModule()).startServices();
    return { ok: true, ...started };
  } catch (error) {
    if (process.env.CI) throw error;
    return { ok: false, reason: `no PostgreSQL/Redis: ${(error as Error).message}` };
  }
}

/**
 * A new, empty schema in the database, and a URL whose connections use it: each test run gets its own
 * tables however often the shared database was used before.
 */
export async function freshSchema(databaseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.href,
    async drop() {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}
