import { createHmac, timingSafeEqual } from 'node:crypto';
import { deriveKey, purposeKeys } from './keys.js';
import type { CredentialFailure, SiteSecret } from './types.js';

/**
 * What a server-minted token is for.
 *
 * - `visitor`: an anonymous visitor's resume token, returned in `welcome` and sent back in `hello`.
 * - `session`: a short-lived bearer for HTTP calls (uploads) on behalf of a connected visitor.
 */
export type TokenKind = 'visitor' | 'session';

/** Default lifetime of each kind of token, in seconds: 400 days for `visitor`, 1 hour for `session`. */
export const TOKEN_TTL_SECONDS: Readonly<Record<TokenKind, number>> = { visitor: 400 * 24 * 60 * 60, session: 60 * 60 };

/** Longest token `verifyToken` looks at; anything longer is refused unread. */
export const MAX_TOKEN_LENGTH = 4096;

/** Longest visitor id a token may carry. */
const MAX_SUBJECT_LENGTH = 256;
/** How far in the future `iat` may be (clock skew between server processes), in seconds. */
const MAX_IAT_SKEW_SECONDS = 60;
const VERSION = 'v1';
const SIGNATURE_BYTES = 32;
const TOKEN_SHAPE = /^v1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/;

/** What {@link mintToken} needs. */
export interface MintTokenOptions {
  readonly kind: TokenKind;
  /** The site the token is valid for; any other site refuses it. */
  readonly siteId: string;
  /** The visitor the token stands for (its `sub`). */
  readonly visitorId: string;
  /** The current time, in milliseconds since the epoch (`Date.now()`). */
  readonly now: number;
  /**
   * Lifetime in seconds; defaults to {@link TOKEN_TTL_SECONDS} for the kind. `null` mints a token that never
   * expires (no `exp`).
   */
  readonly ttlSeconds?: number | null | undefined;
}

/** What {@link verifyToken} checks the token against. */
export interface VerifyTokenOptions {
  /** The kind expected here; a token of the other kind is refused. */
  readonly kind: TokenKind;
  /** The site the request is for; a token minted for another site is refused. */
  readonly siteId: string;
  /** The current time, in milliseconds since the epoch (`Date.now()`). */
  readonly now: number;
}

/** The outcome of {@link verifyToken}. */
export type TokenVerifyResult = { readonly ok: true; readonly visitorId: string } | CredentialFailure;

interface TokenPayload {
  kind: TokenKind;
  site: string;
  sub: string;
  iat: number;
  exp?: number;
}

function sign(key: Buffer, signingInput: string): Buffer {
  return createHmac('sha256', key).update(signingInput, 'utf8').digest();
}

function fail(code: CredentialFailure['code'], message: string): CredentialFailure {
  return { ok: false, code, message };
}

function parsePayload(encoded: string): TokenPayload | null {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { kind, site, sub, iat, exp } = value as Record<string, unknown>;
  if (kind !== 'visitor' && kind !== 'session') return null;
  if (typeof site !== 'string' || typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH) {
    return null;
  }
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return null;
  if (exp !== undefined && (typeof exp !== 'number' || !Number.isFinite(exp))) return null;
  return exp === undefined ? { kind, site, sub, iat } : { kind, site, sub, iat, exp };
}

/**
 * Mints an opaque signed token: `v1.<payload>.<signature>`, where the payload is the base64url JSON
 * `{ kind, site, sub, iat, exp? }` (times in seconds) and the signature is the base64url HMAC-SHA256 of
 * `v1.<payload>` keyed with the server-token key derived from `secret` (HKDF-SHA256, label
 * `"parlor server-token v1"`): a key no site backend and no other purpose uses, so no user hash or JWT the
 * site signs can be a token. Sign with the site's first (current) secret.
 *
 * @throws TypeError or RangeError on invalid arguments (an empty secret, site or visitor id, a bad time or
 * lifetime): these are programming errors, not visitor input.
 *
 * @example
 * ```ts
 * const [current] = site.secrets; // the first secret signs
 * const token = mintToken(current.secret, { kind: 'visitor', siteId: site.id, visitorId, now: Date.now() });
 * ```
 */
export function mintToken(secret: string, options: MintTokenOptions): string {
  const { kind, siteId, visitorId, now } = options;
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('mintToken: the secret must not be empty');
  if (kind !== 'visitor' && kind !== 'session') throw new TypeError('mintToken: unknown token kind');
  if (typeof siteId !== 'string' || siteId.length === 0) throw new TypeError('mintToken: siteId must not be empty');
  if (typeof visitorId !== 'string' || visitorId.length === 0 || visitorId.length > MAX_SUBJECT_LENGTH) {
    throw new TypeError(`mintToken: visitorId must be 1 to ${MAX_SUBJECT_LENGTH} characters`);
  }
  if (!Number.isFinite(now)) throw new RangeError('mintToken: now must be a finite number of milliseconds');
  const ttl = options.ttlSeconds === undefined ? TOKEN_TTL_SECONDS[kind] : options.ttlSeconds;
  if (ttl !== null && (!Number.isSafeInteger(ttl) || ttl <= 0)) {
    throw new RangeError('mintToken: ttlSeconds must be a positive integer or null');
  }
  const iat = Math.floor(now / 1000);
  const payload: TokenPayload = { kind, site: siteId, sub: visitorId, iat };
  if (ttl !== null) payload.exp = iat + ttl;
  const signingInput = `${VERSION}.${Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')}`;
  return `${signingInput}.${sign(deriveKey(secret, 'server-token'), signingInput).toString('base64url')}`;
}

/**
 * Verifies a token made by {@link mintToken}: the signature against the server-token key of every secret
 * (constant time; any one of them passes, for key rotation; a token signed with a raw secret never does), then the kind, the site and the expiry. Never throws: garbage, overlong
 * or non-string input is refused as `unauthorized`; an expired token is `token_expired`.
 *
 * @example
 * ```ts
 * const result = verifyToken(site.secrets, auth.token, { kind: 'visitor', siteId: site.id, now: Date.now() });
 * const visitorId = result.ok ? result.visitorId : null;
 * ```
 */
export function verifyToken(
  secrets: readonly SiteSecret[],
  token: string,
  options: VerifyTokenOptions,
): TokenVerifyResult {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    return fail('unauthorized', 'The token is missing or too long.');
  }
  const match = TOKEN_SHAPE.exec(token);
  const encodedPayload = match?.[1];
  const encodedSignature = match?.[2];
  if (encodedPayload === undefined || encodedSignature === undefined) {
    return fail('unauthorized', 'The token is malformed.');
  }
  const signature = Buffer.from(encodedSignature, 'base64url');
  // Refuse non-canonical base64url (stray low bits in the last character), so one signature has one spelling.
  if (signature.length !== SIGNATURE_BYTES || signature.toString('base64url') !== encodedSignature) {
    return fail('unauthorized', 'The token is malformed.');
  }
  const signingInput = `${VERSION}.${encodedPayload}`;
  let verified = false;
  for (const { key } of purposeKeys(secrets, 'server-token')) {
    // Compare first, so every secret is tried and the time taken does not say which one matched.
    verified = timingSafeEqual(sign(key, signingInput), signature) || verified;
  }
  if (!verified) return fail('unauthorized', 'The token signature does not verify.');

  const payload = parsePayload(encodedPayload);
  if (payload === null) return fail('unauthorized', 'The token payload is malformed.');
  if (payload.kind !== options.kind) return fail('unauthorized', `This is not a ${options.kind} token.`);
  if (payload.site !== options.siteId) return fail('unauthorized', 'The token was issued for another site.');
  const nowSeconds = Math.floor(options.now / 1000);
  if (!Number.isFinite(nowSeconds)) return fail('unauthorized', 'The token cannot be checked without a valid clock.');
  if (payload.iat > nowSeconds + MAX_IAT_SKEW_SECONDS)
    return fail('unauthorized', 'The token is issued in the future.');
  if (payload.exp !== undefined && nowSeconds >= payload.exp) return fail('token_expired', 'The token has expired.');
  return { ok: true, visitorId: payload.sub };
}
