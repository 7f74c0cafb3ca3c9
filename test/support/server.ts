/**
 * Browser-side handle on the real reference server run by `server-plugin.mjs`. Tests start their own
 * server (isolated data), drive it, restart it, and read what it stored.
 */
import { executeServerCommand } from '@web/test-runner-commands';

export interface TestServerInfo {
  id: string;
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  siteId: string;
}

export interface StoredMessage {
  seq: number;
  id: string;
  role: string;
  body: { kind: string; text?: string };
}

/**
 * Starts a server whose test site allows this page's origin. Test files run side by side in one browser
 * origin: give each its own `siteId` when it uses storage, so their IndexedDB databases never meet.
 */
export function startServer(
  options: {
    siteId?: string;
    allow?: string[];
    greeting?: string;
    limits?: Record<string, unknown>;
    awayMessage?: string;
    replyMinutes?: number;
    /** e.g. `{ timezone: 'UTC', weekly: {} }`: never open, so the site is always away. */
    businessHours?: { timezone: string; weekly: Record<string, string[]> };
    /** The site's upload quotas in bytes per window, e.g. `{ visitorBytes: 100 }`. */
    uploadQuota?: { visitorBytes?: number; siteBytes?: number };
  } = {},
): Promise<TestServerInfo> {
  return executeServerCommand('parlor-server-start', { origins: [location.origin], ...options });
}

/** Graceful restart on the same port and data (clients see 1012, then reconnect). */
export function restartServer(server: TestServerInfo, downMs = 0): Promise<TestServerInfo> {
  return executeServerCommand('parlor-server-restart', { id: server.id, downMs });
}

export function stopServer(server: TestServerInfo): Promise<boolean> {
  return executeServerCommand('parlor-server-stop', { id: server.id });
}

/** Every stored message of a conversation, oldest first. */
export function storedMessages(server: TestServerInfo, conversation: string): Promise<StoredMessage[]> {
  return executeServerCommand('parlor-server-messages', { id: server.id, conversation });
}

/** The context the server keeps for a visitor (page, attributes, cart, consent), or null. */
export async function storedContext(
  server: TestServerInfo,
  visitorId: string,
): Promise<{ page: { url: string; title?: string } | null; attributes: Record<string, unknown> | null } | null> {
  return (await executeServerCommand('parlor-server-context', { id: server.id, visitorId })) || null;
}

/** Open visitor and agent sockets on the server right now. */
export function serverConnections(server: TestServerInfo): Promise<{ visitor: number; agent: number }> {
  return executeServerCommand('parlor-server-connections', { id: server.id });
}

/** The identified-mode user hash a site's backend would compute. */
export function userHash(userId: string): Promise<string> {
  return executeServerCommand('parlor-server-user-hash', { userId });
}

/** A site JWT as a site's backend would sign it. */
export function siteJwt(sub: string, expiresIn = 600, name?: string, siteId = 'test'): Promise<string> {
  return executeServerCommand('parlor-server-jwt', { sub, expiresIn, siteId, ...(name ? { name } : {}) });
}

/** The test agent replies in a conversation (a real agent socket on the server); resolves with its seq. */
export function agentSay(
  server: TestServerInfo,
  conversation: string,
  text: string,
  quickReplies?: string[],
): Promise<{ id: string; seq: number }> {
  return executeServerCommand('parlor-server-agent', {
    id: server.id,
    action: 'say',
    conversation,
    text,
    ...(quickReplies ? { quickReplies } : {}),
  });
}

/** The test agent starts (or stops) typing in a conversation. */
export function agentTyping(server: TestServerInfo, conversation: string, on = true): Promise<boolean> {
  return executeServerCommand('parlor-server-agent', { id: server.id, action: 'typing', conversation, on });
}

/** The test agent reads a conversation up to `seq` (the visitor sees "Read"). */
export function agentRead(server: TestServerInfo, conversation: string, seq: number): Promise<boolean> {
  return executeServerCommand('parlor-server-agent', { id: server.id, action: 'read', conversation, seq });
}

/** Today's analytics counts for the server's site, by event name (`load`, `open`, `close`, `message_sent`). */
export function eventCounts(server: TestServerInfo): Promise<Record<string, number>> {
  return executeServerCommand('parlor-server-event-counts', { id: server.id });
}

/** A test server whose site is a Shopify store, with the storefront fixture at `storefront`. */
export interface ShopifyServerInfo extends TestServerInfo {
  /** The fixture storefront's root, e.g. `http://localhost:41234/fixture/shopify/<site id>/`. */
  storefront: string;
  /** The shop's permanent domain. */
  shop: string;
}

/**
 * Starts a server whose site is a Shopify store: its storefront fixture (product page, Ajax Cart, customer
 * login, an app proxy that signs as Shopify does) is served on the server's own origin, which the site
 * allows. Give each test file its own `siteId`: the fixture's cookies are scoped by it.
 */
export function startShopifyServer(options: { siteId: string }): Promise<ShopifyServerInfo> {
  return executeServerCommand('parlor-server-start-shopify', { origins: [location.origin], ...options });
}

/**
 * Evaluates `expression` in the storefront's iframe (cross-origin, so through the browser's debugging
 * protocol) and resolves with its JSON value; a promise is awaited.
 */
export async function storefrontEval<T>(server: ShopifyServerInfo, expression: string): Promise<T> {
  const result = await executeServerCommand<{ value: T }, unknown>('parlor-server-storefront-eval', {
    url: server.storefront,
    expression,
  });
  return result.value;
}

/** Clicks an element of the storefront's iframe as a visitor would (a real pointer). `>>>` pierces shadow roots. */
export function storefrontClick(server: ShopifyServerInfo, selector: string): Promise<boolean> {
  return executeServerCommand('parlor-server-storefront-click', { url: server.storefront, selector });
}

/** Who the server holds a visitor (by id, or a conversation's visitor) to be, or null. */
export async function storedVisitor(
  server: TestServerInfo,
  by: { visitorId: string } | { conversation: string },
): Promise<{ id: string; mode: string; userId: string | null } | null> {
  return (await executeServerCommand('parlor-server-visitor', { id: server.id, ...by })) || null;
}
