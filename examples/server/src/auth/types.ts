/**
 * One of a site's shared secrets. A site lists several while it rotates them: the first one signs, every one
 * verifies.
 */
export interface SiteSecret {
  /** Identifies the secret, e.g. in a JWT header `kid`. */
  readonly kid: string;
  /** The secret itself, as UTF-8 text. Never logged, never sent to a browser. */
  readonly secret: string;
}

/** Why a credential was refused: forged, malformed or for another site, or genuine but expired. */
export type CredentialErrorCode = 'unauthorized' | 'token_expired';

/** A refused credential. `message` is for developers and logs; it never contains the credential itself. */
export interface CredentialFailure<Code extends string = CredentialErrorCode> {
  readonly ok: false;
  /** A protocol error code (see `ERROR_CODES` in `@parlor/core/protocol`). */
  readonly code: Code;
  /** What is wrong, in words, without echoing the credential. */
  readonly message: string;
}
