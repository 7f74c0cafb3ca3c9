import { z } from 'zod/mini';
import { attributesSchema, consentSchema, siteIdSchema } from './protocol/index.js';

const fn = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', 'a function');

/** The `auth` option: how the visitor proves who they are. */
export const authOptionSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('anonymous') }),
  z.object({
    mode: z.literal('identified'),
    userId: z.string().check(z.minLength(1), z.maxLength(256)),
    userHash: z.string().check(z.regex(/^[0-9a-f]{64}$/i, 'a 64-character hex HMAC-SHA256')),
    name: z.optional(z.string().check(z.maxLength(200))),
    email: z.optional(z.string().check(z.maxLength(320))),
  }),
  z.object({
    mode: z.literal('jwt'),
    /**
     * A JWT, or a function returning one. A function is called again on every connection attempt and, shortly
     * before the token's `exp`, to refresh it on the open socket (`identify`) without reconnecting. A string
     * cannot be refreshed: when it expires the connection stops with `token_expired`.
     */
    token: z.union([z.string().check(z.minLength(1)), fn]),
  }),
]);

/** Options of `createChatClient`, validated once at creation. */
export const chatClientOptionsSchema = z.object({
  /** The site id, as configured on the server. */
  siteId: siteIdSchema,
  /** The server's base URL (`https://chat.example.com`); the socket is `wss://…/v1/connect`. */
  server: z
    .string()
    .check(z.regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'an http(s) URL such as "https://chat.example.com"')),
  /** How the visitor proves who they are. Default: anonymous. */
  auth: z.optional(authOptionSchema),
  /**
   * `lazy` (default): nothing is stored and no socket opened until the visitor sends, opens the
   * widget (`connect()`), or already has a conversation. `eager`: connect at once.
   */
  connect: z.optional(z.enum(['lazy', 'eager'])),
  /** What the visitor agreed to; without `context`, no page, cart or attributes leave the browser. */
  consent: z.optional(consentSchema),
  /** Custom attributes sent as context. */
  attributes: z.optional(attributesSchema),
  /** Track the page URL and title (including single-page navigation). Default: true. */
  trackPage: z.optional(z.boolean()),
  /** Share one socket between this visitor's tabs. Default: true. */
  shareTabs: z.optional(z.boolean()),
  /** Where to keep the outbox and history: IndexedDB when it works (`auto`), or memory only. */
  storage: z.optional(z.enum(['auto', 'memory'])),
});

/** Options of `createChatClient`. */
export type ChatClientOptions = z.input<typeof chatClientOptionsSchema> & {
  /** Environment overrides (tests, SSR, other runtimes). Every field defaults to the global one. */
  environment?: ChatEnvironment;
};

/** The auth option after validation. */
export type AuthOption = z.output<typeof authOptionSchema>;

/** What the client takes from its surroundings; injected so tests and non-browser runtimes can supply it. */
export interface ChatEnvironment {
  WebSocket?: typeof WebSocket;
  indexedDB?: IDBFactory | null;
  locks?: LockManager | null;
  BroadcastChannel?: typeof BroadcastChannel | null;
  /** Receives `online`, `pageshow`, `pagehide`, `visibilitychange`, `popstate`. */
  window?: EventTarget | null;
  fetch?: typeof fetch;
  now?: () => number;
}

/** Validates options; throws a ParlorError('invalid_options') naming the field. */
export function parseOptions(options: unknown): z.output<typeof chatClientOptionsSchema> {
  const result = chatClientOptionsSchema.safeParse(options);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'options';
  throw new OptionsError(`${where}: ${issue?.message ?? 'invalid'}`);
}

/** Thrown by {@link parseOptions}; the client re-throws it as a ParlorError with code `invalid_options`. */
export class OptionsError extends Error {
  override name = 'OptionsError';
}
