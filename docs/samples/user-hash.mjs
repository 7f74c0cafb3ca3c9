// Identified mode, on your own Node server: prove to Parlor which of your users is chatting.
// No Parlor package needed; the site secret never leaves your server.
import { createHmac } from 'node:crypto';

/** The user hash: HMAC-SHA256 of your user's id, keyed with the site secret, as lowercase hex. */
export function parlorUserHash(siteSecret, userId) {
  return createHmac('sha256', siteSecret).update(userId, 'utf8').digest('hex');
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
