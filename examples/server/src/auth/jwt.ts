import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import { purposeKeys } from './keys.js';
import type { CredentialFailure, SiteSecret } from './types.js';

/** Longest JWT looked at, as in the protocol's `jwt` auth; anything longer is refused unread. */
export const MAX_JWT_LENGTH = 8192;
/** The only JWS algorithms accepted. HS256 needs a site secret; RS256 and ES256 need a JWKS. */
export const JWT_ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;
/** Longest lifetime (`exp - iat`) a site JWT may have, in seconds: these are meant to be short-lived. */
export const MAX_JWT_LIFETIME_SECONDS = 24 * 60 * 60;
/** Allowed clock difference with the site's server for `exp` and `nbf`, in seconds. */
export const JWT_CLOCK_TOLERANCE_SECONDS = 30;
/** How far in the future `iat` may be, in seconds. */
export const MAX_JWT_IAT_SKEW_SECONDS = 60;

const MAX_SUB_LENGTH = 256;
const MAX_NAME_LENGTH = 200;
const MAX_EMAIL_LENGTH = 320;

/** Where a site publishes the public keys its RS256/ES256 JWTs verify with. */
export interface SiteJwks {
  /** A JWKS endpoint (http or https), fetched on demand and cached per URL. */
  readonly url?: string | undefined;
  /** Public keys given inline. Tried before `url` when both are set. */
  readonly keys?: readonly JWK[] | undefined;
}

/** What {@link verifySiteJwt} needs to know about a site. */
export interface JwtSite {
  /** The site id; a JWT's `aud` must name it. */
  readonly id: string;
  /**
   * The site secrets. HS256 JWTs verify with the key derived from each for JWTs (HKDF-SHA256, label
   * `"parlor jwt-hs256 v1"`), never with the secret itself: the header `kid` picks one; without it each is
   * tried.
   */
  readonly secrets: readonly SiteSecret[];
  /** Secrets configured for HS256 JWTs alone, used as they are; when set they replace the derived keys. */
  readonly jwtSecrets?: readonly SiteSecret[] | undefined;
  /** Public keys for RS256/ES256. Without it those algorithms are refused. */
  readonly jwks?: SiteJwks | undefined;
}

/** The identity a verified site JWT carries. */
export interface SiteJwtClaims {
  /** The site's user id. */
  readonly sub: string;
  /** Display name, cut to 200 characters. */
  readonly name?: string;
  /** Email address, dropped if over 320 characters. */
  readonly email?: string;
}

/** The outcome of {@link verifySiteJwt}; `expiresAt` is the JWT's `exp`, in milliseconds since the epoch. */
export type SiteJwtResult =
  { readonly ok: true; readonly claims: SiteJwtClaims; readonly expiresAt: number } | CredentialFailure;

type Algorithm = (typeof JWT_ALGORITHMS)[number];

const remoteJwks = new Map<string, JWTVerifyGetKey>();
const localJwks = new WeakMap<readonly JWK[], JWTVerifyGetKey>();

/** Thrown internally with a message that is safe to show; turned into a result at the top. */
class Refusal extends Error {
  constructor(
    readonly code: CredentialFailure['code'],
    message: string,
  ) {
    super(message);
  }
}

function isAlgorithm(alg: unknown): alg is Algorithm {
  return typeof alg === 'string' && (JWT_ALGORITHMS as readonly string[]).includes(alg);
}

function isJoseError(error: unknown, code: string): boolean {
  return error instanceof errors.JOSEError && error.code === code;
}

function remoteKeySet(url: string): JWTVerifyGetKey {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Refusal('unauthorized', "The site's JWKS URL is invalid.");
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Refusal('unauthorized', "The site's JWKS URL must be http or https.");
  }
  let keySet = remoteJwks.get(parsed.href);
  if (keySet === undefined) {
    keySet = createRemoteJWKSet(parsed, { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
    remoteJwks.set(parsed.href, keySet);
  }
  return keySet;
}

function localKeySet(keys: readonly JWK[]): JWTVerifyGetKey {
  let keySet = localJwks.get(keys);
  if (keySet === undefined) {
    try {
      keySet = createLocalJWKSet({ keys: [...keys] });
    } catch {
      throw new Refusal('unauthorized', "The site's JWKS is malformed.");
    }
    localJwks.set(keys, keySet);
  }
  return keySet;
}

/** Verifies with a key set, trying each candidate when several keys match the header. */
async function verifyWithKeySet(jwt: string, keySet: JWTVerifyGetKey, options: JWTVerifyOptions): Promise<JWTPayload> {
  try {
    return (await jwtVerify(jwt, keySet, options)).payload;
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    for await (const key of error) {
      try {
        return (await jwtVerify(jwt, key, options)).payload;
      } catch (inner) {
        if (!isJoseError(inner, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED')) throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

async function verifyHs256(site: JwtSite, jwt: string, kid: unknown, options: JWTVerifyOptions): Promise<JWTPayload> {
  const usable = purposeKeys(site.secrets, 'jwt-hs256', site.jwtSecrets);
  if (usable.length === 0) {
    throw new Refusal('unauthorized', 'This site has no shared secret, so it does not accept HS256 JWTs.');
  }
  let candidates = usable;
  if (kid !== undefined) {
    candidates = usable.filter((s) => s.kid === kid);
    if (candidates.length === 0) throw new Refusal('unauthorized', 'The JWT header kid names no secret of this site.');
  }
  for (const [index, { key }] of candidates.entries()) {
    try {
      return (await jwtVerify(jwt, key, options)).payload;
    } catch (error) {
      const last = index === candidates.length - 1;
      if (last || !isJoseError(error, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED')) throw error;
    }
  }
  throw new errors.JWSSignatureVerificationFailed();
}

async function verifyAsymmetric(site: JwtSite, jwt: string, options: JWTVerifyOptions): Promise<JWTPayload> {
  const keys = site.jwks?.keys;
  const url = site.jwks?.url;
  const hasKeys = keys !== undefined && keys.length > 0;
  const hasUrl = url !== undefined && url.length > 0;
  if (!hasKeys && !hasUrl) {
    throw new Refusal('unauthorized', 'This site has no JWKS, so it does not accept RS256 or ES256 JWTs.');
  }
  if (hasKeys) {
    try {
      return await verifyWithKeySet(jwt, localKeySet(keys), options);
    } catch (error) {
      // Not among the inline keys: fall through to the URL, if there is one.
      if (!hasUrl || !isJoseError(error, 'ERR_JWKS_NO_MATCHING_KEY')) throw error;
    }
  }
  const keySet = remoteKeySet(url ?? '');
  try {
    return await verifyWithKeySet(jwt, keySet, options);
  } catch (error) {
    if (error instanceof errors.JOSEError && error.code !== 'ERR_JOSE_GENERIC') throw error;
    // Network failure, non-200 answer or non-JSON body.
    throw new Refusal('unauthorized', "The site's JWKS could not be fetched.");
  }
}

function checkClaims(payload: JWTPayload, nowSeconds: number): SiteJwtClaims & { exp: number } {
  const { sub, iat, exp } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUB_LENGTH) {
    throw new Refusal('unauthorized', `The JWT "sub" claim must be a string of 1 to ${MAX_SUB_LENGTH} characters.`);
  }
  if (typeof iat !== 'number' || typeof exp !== 'number') {
    throw new Refusal('unauthorized', 'The JWT "iat" and "exp" claims must be numbers.');
  }
  if (iat > nowSeconds + MAX_JWT_IAT_SKEW_SECONDS) {
    throw new Refusal('unauthorized', 'The JWT "iat" claim is in the future.');
  }
  if (exp - iat > MAX_JWT_LIFETIME_SECONDS) {
    throw new Refusal('unauthorized', 'The JWT lives longer than 24 hours (exp - iat); issue short-lived tokens.');
  }
  const claims: { sub: string; name?: string; email?: string; exp: number } = { sub, exp };
  const { name, email } = payload;
  if (typeof name === 'string' && name.length > 0) claims.name = name.slice(0, MAX_NAME_LENGTH);
  if (typeof email === 'string' && email.length > 0 && email.length <= MAX_EMAIL_LENGTH) claims.email = email;
  return claims;
}

function describe(error: unknown): CredentialFailure {
  if (error instanceof Refusal) return { ok: false, code: error.code, message: error.message };
  if (!(error instanceof errors.JOSEError)) {
    return { ok: false, code: 'unauthorized', message: 'The JWT could not be verified.' };
  }
  const fail = (message: string): CredentialFailure => ({ ok: false, code: 'unauthorized', message });
  switch (error.code) {
    case 'ERR_JWT_EXPIRED':
      return { ok: false, code: 'token_expired', message: 'The JWT has expired.' };
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const { claim, reason } = error as errors.JWTClaimValidationFailed;
      if (reason === 'missing') return fail(`The JWT is missing the required "${claim}" claim.`);
      if (claim === 'aud') return fail('The JWT audience ("aud") is not this site.');
      if (claim === 'nbf') return fail('The JWT is not valid yet ("nbf").');
      return fail(`The JWT "${claim}" claim is invalid.`);
    }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return fail("The JWT signature does not verify with this site's keys.");
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return fail('The JWT algorithm or key type is not supported.');
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return fail('The JWT is malformed.');
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return fail("No key in the site's JWKS matches the JWT header (kid, alg).");
    case 'ERR_JWKS_INVALID':
    case 'ERR_JWK_INVALID':
      return fail("The site's JWKS is malformed.");
    case 'ERR_JWKS_TIMEOUT':
      return fail("Fetching the site's JWKS timed out.");
    default:
      return fail('The JWT could not be verified.');
  }
}

async function verify(site: JwtSite, jwt: string, now: number): Promise<SiteJwtClaims & { exp: number }> {
  if (typeof jwt !== 'string' || jwt.length === 0 || jwt.length > MAX_JWT_LENGTH) {
    throw new Refusal('unauthorized', 'The JWT is missing or too long.');
  }
  if (!Number.isFinite(now)) throw new Refusal('unauthorized', 'The JWT cannot be checked without a valid clock.');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jwt);
  } catch {
    throw new Refusal('unauthorized', 'The JWT is malformed.');
  }
  const { alg, kid } = header;
  if (!isAlgorithm(alg)) {
    throw new Refusal('unauthorized', `The JWT algorithm is not allowed; use one of ${JWT_ALGORITHMS.join(', ')}.`);
  }
  const options: JWTVerifyOptions = {
    algorithms: [alg],
    audience: site.id,
    requiredClaims: ['sub', 'exp', 'iat'],
    clockTolerance: JWT_CLOCK_TOLERANCE_SECONDS,
    currentDate: new Date(now),
  };
  const payload =
    alg === 'HS256' ? await verifyHs256(site, jwt, kid, options) : await verifyAsymmetric(site, jwt, options);
  return checkClaims(payload, Math.floor(now / 1000));
}

/**
 * Verifies a JWT that a site's backend signed for one of its users (`jwt` auth mode).
 *
 * - Algorithms: HS256 with the JWT key of a site secret (HKDF-SHA256 of the secret, label
 *   `"parlor jwt-hs256 v1"`, or a dedicated `jwtSecrets` entry; the header `kid` picks it; an unknown `kid` is refused; without a
 *   `kid` every secret is tried), RS256/ES256 with the site's JWKS (inline `keys`, else `url`, fetched and
 *   cached per URL). `none` and every other algorithm are refused, as is HS256 without a secret and
 *   RS256/ES256 without a JWKS.
 * - Claims: `sub` (string, at most 256 characters), `aud` naming the site id, `exp` in the future
 *   (`token_expired` otherwise), `iat` at most 60 s ahead, and a lifetime `exp - iat` of at most 24 h.
 *   30 s of clock tolerance. Optional `name` and `email` are kept when they are strings.
 *
 * Never throws and never puts the JWT in a message.
 *
 * @param now - The current time, in milliseconds since the epoch (`Date.now()`).
 *
 * @example
 * ```ts
 * const result = await verifySiteJwt(site, auth.jwt, Date.now());
 * if (!result.ok) return refuse(result.code, result.message);
 * const userId = result.claims.sub;
 * ```
 */
export async function verifySiteJwt(site: JwtSite, jwt: string, now: number): Promise<SiteJwtResult> {
  try {
    const { exp, ...claims } = await verify(site, jwt, now);
    return { ok: true, claims, expiresAt: exp * 1000 };
  } catch (error) {
    return describe(error);
  }
}
