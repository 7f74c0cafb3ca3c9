import type { Auth } from '@parlor/core/protocol';
import { verifySiteJwt, type JwtSite } from './jwt.js';
import { verifyToken } from './tokens.js';
import type { CredentialFailure, SiteSecret } from './types.js';
import { verifyUserHash } from './user-hash.js';

/** A way a visitor may prove who they are: the `mode` of the protocol's `Auth`. */
export type AuthMode = Auth['mode'];

/** What {@link authenticate} needs to know about a site. */
export interface AuthSite extends JwtSite {
  /** The modes this site accepts; any other is refused as `unauthorized`. */
  readonly allow: readonly AuthMode[];
  /** Secrets configured for user hashes alone, used as they are; when set they replace the derived keys. */
  readonly userHashSecrets?: readonly SiteSecret[] | undefined;
}

/** A visitor without an account. */
export interface AnonymousIdentity {
  readonly mode: 'anonymous';
  /** The visitor their resume token names, or `null` to mint a new visitor. */
  readonly visitorId: string | null;
  /**
   * `true` when a token was sent but refused (forged, expired, for another site, of the wrong kind): not an
   * error in anonymous mode, the server just mints a fresh visitor.
   */
  readonly tokenRejected: boolean;
}

/** A user of the site, proven by a user hash (`identified`) or a site JWT (`jwt`). */
export interface UserIdentity {
  readonly mode: 'identified' | 'jwt';
  /** The site's user id. */
  readonly userId: string;
  readonly name?: string;
  readonly email?: string;
  /** The anonymous visitor whose conversation carries over to this user, from a valid `token`, else `null`. */
  readonly carryVisitorId: string | null;
  /**
   * When the credential expires, in milliseconds since the epoch: a JWT's `exp` (a live connection is closed
   * with `token_expired` then, unless it identified again). Absent for user hashes, which do not expire.
   */
  readonly expiresAt?: number;
}

/** Who a visitor is, once authenticated. */
export type Identity = AnonymousIdentity | UserIdentity;

/** Error codes {@link authenticate} may return. */
export type AuthenticateErrorCode = 'unauthorized' | 'token_expired' | 'forbidden';

/** The outcome of {@link authenticate}. */
export type AuthenticateResult =
  { readonly ok: true; readonly identity: Identity } | CredentialFailure<AuthenticateErrorCode>;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function fail(code: AuthenticateErrorCode, message: string): CredentialFailure<AuthenticateErrorCode> {
  return { ok: false, code, message };
}

function describeAllowed(allow: readonly AuthMode[]): string {
  if (allow.length === 0) return 'This site accepts no visitor authentication.';
  const modes = [...new Set(allow)];
  const list = modes.length === 1 ? modes.join('') : `${modes.slice(0, -1).join(', ')} or ${modes.at(-1) ?? ''}`;
  return `This site requires ${list} authentication.`;
}

/** The visitor a resume token names, or `null` when there is none or it does not verify for this site. */
function visitorFromToken(
  secrets: readonly SiteSecret[],
  siteId: string,
  token: string | undefined,
  now: number,
): { visitorId: string | null; rejected: boolean } {
  if (token === undefined) return { visitorId: null, rejected: false };
  const result = verifyToken(secrets, token, { kind: 'visitor', siteId, now });
  return result.ok ? { visitorId: result.visitorId, rejected: false } : { visitorId: null, rejected: true };
}

/**
 * Checks the `auth` of a `hello` (or `identify`) frame against a site's configuration.
 *
 * - `anonymous`: the visitor from a valid resume token, else `visitorId: null` (mint a new one). A forged,
 *   expired or foreign token is not an error here: it only sets `tokenRejected`.
 * - `identified`: `userHash` must be the HMAC-SHA256 of `userId` with the user-hash key of one of the site
 *   secrets (see `computeUserHash`), or with one of its `userHashSecrets`.
 * - `jwt`: see {@link verifySiteJwt}; an expired JWT is `token_expired`, so the client fetches a fresh one.
 * - A mode missing from `site.allow` is `unauthorized`, and the message says which modes the site requires.
 *
 * In the two user modes, an optional anonymous `token` is verified like a resume token and gives
 * `carryVisitorId` (`null` when absent or invalid, never an error). Never throws.
 *
 * @param now - The current time, in milliseconds since the epoch (`Date.now()`).
 *
 * @example
 * ```ts
 * const result = await authenticate(site, hello.auth, Date.now());
 * if (!result.ok) return closeWith(result.code, result.message);
 * const visitor = result.identity.mode === 'anonymous' ? (result.identity.visitorId ?? mintVisitor()) : ...;
 * ```
 */
export async function authenticate(site: AuthSite, auth: Auth, now: number): Promise<AuthenticateResult> {
  if (typeof auth !== 'object' || auth === null) return fail('unauthorized', 'Authentication is missing.');
  if (!site.allow.includes(auth.mode)) return fail('unauthorized', describeAllowed(site.allow));
  switch (auth.mode) {
    case 'anonymous': {
      const { visitorId, rejected } = visitorFromToken(site.secrets, site.id, auth.token, now);
      return { ok: true, identity: { mode: 'anonymous', visitorId, tokenRejected: rejected } };
    }
    case 'identified': {
      if (!verifyUserHash(site.secrets, auth.userId, auth.userHash, site.userHashSecrets)) {
        return fail('unauthorized', 'The user hash does not match this user id for this site.');
      }
      const { visitorId } = visitorFromToken(site.secrets, site.id, auth.token, now);
      const identity: Mutable<UserIdentity> = {
        mode: 'identified',
        userId: auth.userId,
        carryVisitorId: visitorId,
      };
      if (auth.name !== undefined) identity.name = auth.name;
      if (auth.email !== undefined) identity.email = auth.email;
      return { ok: true, identity };
    }
    case 'jwt': {
      const result = await verifySiteJwt(site, auth.jwt, now);
      if (!result.ok) return result;
      const { sub, name, email } = result.claims;
      const { visitorId } = visitorFromToken(site.secrets, site.id, auth.token, now);
      const identity: Mutable<UserIdentity> = {
        mode: 'jwt',
        userId: sub,
        carryVisitorId: visitorId,
        expiresAt: result.expiresAt,
      };
      if (name !== undefined) identity.name = name;
      if (email !== undefined) identity.email = email;
      return { ok: true, identity };
    }
    default:
      return fail('unauthorized', 'Unknown authentication mode.');
  }
}
