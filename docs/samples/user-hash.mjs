// Identified mode, on your own Node server: prove to Parlor which of your users is chatting.
// No Parlor package needed; the site secret never leaves your server.
import { createHmac, hkdfSync } from 'node:crypto';

/**
 * The user-hash key: HKDF-SHA256 of the site secret, no salt, info "parlor user-hash v1", 32 bytes. A key of
 * its own, so a hash you compute for any user id is only ever that user's hash (never a JWT signature).
 */
export function parlorUserHashKey(siteSecret) {
  return Buffer.from(hkdfSync('sha256', siteSecret, '', 'parlor user-hash v1', 32));
}

/** The user hash: HMAC-SHA256 of your user's id, keyed with the user-hash key, as lowercase hex. */
export function parlorUserHash(siteSecret, userId) {
  return createHmac('sha256', parlorUserHashKey(siteSecret)).update(userId, 'utf8').digest('hex');
}

/** What your page hands to the widget for a signed-in user (render it into the page). */
export function parlorIdentity(siteSecret, user) {
  return {
    mode: 'identified',
    userId: user.id,
    userHash: parlorUserHash(siteSecret, user.id),
    name: user.name,
    email: user.email,
  };
}
