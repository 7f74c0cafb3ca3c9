// A web-test-runner plugin that runs the real reference server for browser tests: start, restart
// (graceful, as in a rolling deploy), stop, and read what it stored — so tests assert on the wire and on
// the database, never on a mock. It loads the server's build (examples/server/dist): `pnpm build` first
// (`pnpm test` does).
import { createHmac, hkdfSync, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startReferenceServer } from './reference-server.mjs';

export const SITE_SECRET = 'browser-test-secret-0123456789-abcdefgh';
export const AGENT_TOKEN = 'browser-test-agent-token-0123456789-abcd';

/** A key derived from the test site's secret for one purpose, as a site's backend derives it (docs/auth.md). */
const derivedKey = (/** @type {string} */ label) => Buffer.from(hkdfSync('sha256', SITE_SECRET, '', label, 32));

/** @typedef {{ server: any, storage: any, dataDir: string, port: number, options: any, agent?: Promise<any> }} Instance */

// The server's own WebSocket library (Node 20 has no global WebSocket client).
const WebSocket = createRequire(new URL('../../examples/server/package.json', import.meta.url))('ws');

/** A UUIDv7 for agent sends (the protocol wants time-ordered client ids). */
function uuidv7() {
  const hex = Date.now().toString(16).padStart(12, '0') + randomUUID().replaceAll('-', '').slice(12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-${((parseInt(hex.charAt(16), 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The agent of a test server: a real agent-console socket, opened on first use, that answers visitors.
 * Resolves with `send(frame)` and `waitAck(id)`.
 */
function agentSocket(/** @type {number} */ port) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/agent`, { origin: `http://127.0.0.1:${port}` });
    /** @type {Map<string, (frame: any) => void>} */
    const acks = new Map();
    ws.once('error', reject);
    ws.on('message', (/** @type {Buffer} */ data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'welcome') {
        resolve({
          send: (/** @type {any} */ f) => ws.send(JSON.stringify(f)),
          waitAck: (/** @type {string} */ id) => new Promise((done) => acks.set(id, done)),
          close: () => ws.close(),
        });
      } else if (frame.type === 'ack' || frame.type === 'error') {
        const done = acks.get(frame.id);
        acks.delete(frame.id);
        done?.(frame);
      }
    });
    ws.once('open', () =>
      ws.send(JSON.stringify({ type: 'hello', v: 1, auth: { mode: 'agent', token: AGENT_TOKEN } })),
    );
  });
}

/** The Shopify store of `parlor-server-start-shopify` and the app secret its app proxy signs with. */
export const SHOPIFY_SHOP = 'harbour-test.myshopify.com';
export const SHOPIFY_PROXY_SECRET = 'browser-test-shopify-app-secret-0123';

/** The test page's iframe whose URL starts with `url` (puppeteer reaches cross-origin frames too). */
function storefrontFrame(/** @type {any} */ session, /** @type {string} */ url) {
  const page = session.browser.getPage(session.id);
  const frame = page.frames().find((/** @type {any} */ f) => f.url().startsWith(url));
  if (!frame)
    throw new Error(
      `no frame at ${url} (frames: ${page
        .frames()
        .map((/** @type {any} */ f) => f.url())
        .join(', ')})`,
    );
  return frame;
}

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function parlorServerPlugin() {
  /** @type {Map<string, Instance>} */
  const instances = new Map();
  let next = 0;
  /** Starts one server; `port` 0 picks a free one (restarts reuse the old port). */
  async function start(/** @type {any} */ options, dataDir = mkdtempSync(join(tmpdir(), 'parlor-wtr-')), port = 0) {
    const { server, storage } = await startReferenceServer({
      sitesFile: {
        sites: [
          {
            id: options.siteId ?? 'test',
            name: 'Browser tests',
            secrets: [{ kid: 'k1', secret: SITE_SECRET }],
            allowedOrigins: options.origins,
            auth: { allow: options.allow ?? ['anonymous', 'identified', 'jwt'] },
            ...(options.greeting ? { greeting: options.greeting } : {}),
            ...(options.awayMessage ? { awayMessage: options.awayMessage } : {}),
            ...(options.replyMinutes ? { replyMinutes: options.replyMinutes } : {}),
            ...(options.businessHours ? { businessHours: options.businessHours } : {}),
            ...(options.shopify ? { shopify: options.shopify } : {}),
            ...(options.uploadQuota ? { uploadQuota: options.uploadQuota } : {}),
            analytics: true,
          },
        ],
        agents: [{ id: 'agent', name: 'Agent', token: AGENT_TOKEN, sites: ['*'] }],
      },
      dataDir,
      port,
      limits: options.limits,
      // The storefront fixture is a test fixture: on only for the Shopify store of `parlor-server-start-shopify`.
      testFixtures: Boolean(options.shopify),
    });
    return { server, storage, dataDir, port: server.port, options };
  }

  const info = (/** @type {string} */ id, /** @type {Instance} */ i) => ({
    id,
    url: `http://127.0.0.1:${i.port}`,
    wsUrl: `ws://127.0.0.1:${i.port}`,
    siteId: i.options.siteId ?? 'test',
  });

  return {
    name: 'parlor-server',
    async executeCommand({ command, payload, session }) {
      if (!command.startsWith('parlor-server')) return undefined;
      const p = /** @type {any} */ (payload ?? {});
      const get = () => {
        const i = instances.get(p.id);
        if (!i) throw new Error(`no test server ${p.id}`);
        return i;
      };
      switch (command) {
        case 'parlor-server-start': {
          const id = `s${++next}`;
          const instance = await start(p);
          instances.set(id, instance);
          return info(id, instance);
        }
        case 'parlor-server-start-shopify': {
          // A Shopify store: the storefront fixture on the server's own origin (as `localhost`, so the
          // test page and the shop are same-site and the shop's Lax cookies work inside the test's iframe).
          const port = await freePort();
          const id = `s${++next}`;
          const instance = await start(
            {
              ...p,
              origins: [...p.origins, `http://localhost:${port}`],
              shopify: {
                shop: SHOPIFY_SHOP,
                proxySecret: SHOPIFY_PROXY_SECRET,
                tokenTtlSeconds: 600,
                storefront: true,
              },
            },
            undefined,
            port,
          );
          instances.set(id, instance);
          const base = `http://localhost:${port}/fixture/shopify/${p.siteId ?? 'test'}/`;
          return { ...info(id, instance), storefront: base, shop: SHOPIFY_SHOP };
        }
        case 'parlor-server-storefront-eval': {
          // Runs an expression in the storefront's (cross-origin) iframe through the browser's debugging
          // protocol, as a shop's own script would run there; resolves with its (JSON) value.
          const frame = storefrontFrame(session, p.url);
          return { value: await frame.evaluate(p.expression) };
        }
        case 'parlor-server-storefront-click': {
          // A real click (pointer events, the works) on an element of the storefront's iframe.
          await storefrontFrame(session, p.url).locator(p.selector).click();
          return true;
        }
        case 'parlor-server-visitor': {
          // Who the server holds a visitor (or a conversation's visitor) to be.
          const storage = get().server.hub.storage;
          const visitorId = p.conversation ? (await storage.getConversation(p.conversation))?.visitorId : p.visitorId;
          const visitor = visitorId ? await storage.getVisitor(visitorId) : null;
          return visitor ? { id: visitor.id, mode: visitor.mode, userId: visitor.userId } : false;
        }
        case 'parlor-server-restart': {
          const i = get();
          await i.server.close();
          if (p.downMs) await new Promise((r) => setTimeout(r, p.downMs));
          instances.set(p.id, await start(i.options, i.dataDir, i.port));
          return info(p.id, get());
        }
        case 'parlor-server-stop': {
          const i = get();
          if (i.agent) (await i.agent.catch(() => undefined))?.close();
          await i.server.close();
          instances.delete(p.id);
          rmSync(i.dataDir, { recursive: true, force: true });
          return true;
        }
        case 'parlor-server-messages': {
          // Every stored message of a conversation, oldest first: what the database holds, exactly.
          const rows = await get().server.hub.storage.allMessages(p.conversation);
          return rows.map((/** @type {any} */ r) => ({ seq: r.seq, id: r.clientId, role: r.role, body: r.body }));
        }
        case 'parlor-server-context':
          // The runner reads a null result as "command not handled": answer false for "none".
          return (await get().server.hub.storage.getContext(p.visitorId)) ?? false;
        case 'parlor-server-agent': {
          // The agent acts: `say` (text, optional quick replies), `typing`, or `read` up to a seq.
          const i = get();
          i.agent ??= agentSocket(i.port);
          const agent = await i.agent;
          if (p.action === 'say') {
            const id = uuidv7();
            const done = agent.waitAck(id);
            agent.send({
              type: 'send',
              id,
              conversation: p.conversation,
              body: { kind: 'text', text: p.text },
              ...(p.quickReplies ? { quickReplies: p.quickReplies } : {}),
            });
            const ack = await done;
            if (ack.type === 'error') throw new Error(`agent send refused: ${ack.code} ${ack.message}`);
            return { id, seq: ack.seq };
          }
          if (p.action === 'typing') agent.send({ type: 'typing', conversation: p.conversation, on: p.on !== false });
          else if (p.action === 'read') agent.send({ type: 'read', conversation: p.conversation, seq: p.seq });
          else throw new Error(`unknown agent action ${p.action}`);
          return true;
        }
        case 'parlor-server-event-counts': {
          // Today's analytics counts by event name, as the stats endpoint reports them.
          const i = get();
          const today = new Date().toISOString().slice(0, 10);
          const rows = await i.server.hub.storage.dailyCounts(i.options.siteId ?? 'test', today, 1);
          return Object.fromEntries(rows.map((/** @type {any} */ r) => [r.name, r.count]));
        }
        case 'parlor-server-bench-report':
          // Benchmarks print their table from Node, so it reads cleanly in the terminal and in CI logs.
          console.log(`\n${p.text}\n`);
          return true;
        case 'parlor-server-connections':
          return get().server.hub.metrics.connections;
        case 'parlor-server-user-hash':
          // As a site's backend computes it: HMAC-SHA256 keyed with the user-hash key derived from the secret.
          return createHmac('sha256', derivedKey('parlor user-hash v1')).update(String(p.userId)).digest('hex');
        case 'parlor-server-jwt': {
          const { SignJWT } = await import('jose');
          const now = Math.floor(Date.now() / 1000);
          return new SignJWT({ ...(p.name ? { name: p.name } : {}) })
            .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
            .setSubject(String(p.sub))
            .setAudience(p.siteId ?? 'test')
            .setIssuedAt(now)
            .setExpirationTime(now + (p.expiresIn ?? 600))
            .sign(derivedKey('parlor jwt-hs256 v1'));
        }
        default:
          throw new Error(`unknown command ${command}`);
      }
    },
    async serverStop() {
      for (const i of instances.values()) if (i.agent) (await i.agent.catch(() => undefined))?.close();
      for (const i of instances.values()) await i.server.close().catch(() => {});
      for (const i of instances.values()) rmSync(i.dataDir, { recursive: true, force: true });
      instances.clear();
    },
  };
}
