/**
 * Visitor authentication for the reference server: server-minted tokens, user hashes, site JWTs, and the
 * `authenticate` entry point that ties them to a site's configuration.
 *
 * @packageDocumentation
 */
export { authenticate } from './authenticate.js';
export type {
  AnonymousIdentity,
  AuthenticateErrorCode,
  AuthenticateResult,
  AuthMode,
  AuthSite,
  Identity,
  UserIdentity,
} from './authenticate.js';
export {
  JWT_ALGORITHMS,
  JWT_CLOCK_TOLERANCE_SECONDS,
  MAX_JWT_IAT_SKEW_SECONDS,
  MAX_JWT_LENGTH,
  MAX_JWT_LIFETIME_SECONDS,
  verifySiteJwt,
} from './jwt.js';
export type { JwtSite, SiteJwks, SiteJwtClaims, SiteJwtResult } from './jwt.js';
export { DERIVED_KEY_BYTES, KEY_LABELS, deriveKey, purposeKeys } from './keys.js';
export type { KeyPurpose, PurposeKey } from './keys.js';
export { safeEqual } from './safe-equal.js';
export { MAX_TOKEN_LENGTH, TOKEN_TTL_SECONDS, mintToken, verifyToken } from './tokens.js';
export type { MintTokenOptions, TokenKind, TokenVerifyResult, VerifyTokenOptions } from './tokens.js';
export type { CredentialErrorCode, CredentialFailure, SiteSecret } from './types.js';
export { MAX_USER_ID_LENGTH, computeUserHash, verifyUserHash } from './user-hash.js';
