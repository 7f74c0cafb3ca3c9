import type { AuthOption } from './options.js';
import type { Auth } from './protocol/index.js';

/**
 * The `auth` of a hello or identify frame, from the client's auth option. A JWT provider function is
 * asked again every time, so each connection attempt carries a current token. `visitorToken` (the
 * anonymous resume token) lets a returning visitor, or one who logs in, keep their conversation.
 */
export async function authFrame(auth: AuthOption, visitorToken: string | undefined): Promise<Auth> {
  const token = visitorToken ? { token: visitorToken } : {};
  switch (auth.mode) {
    case 'anonymous':
      return { mode: 'anonymous', ...token };
    case 'identified':
      return {
        mode: 'identified',
        userId: auth.userId,
        userHash: auth.userHash,
        ...(auth.name ? { name: auth.name } : {}),
        ...(auth.email ? { email: auth.email } : {}),
        ...token,
      };
    case 'jwt': {
      const jwt = typeof auth.token === 'string' ? auth.token : String(await (auth.token as () => unknown)());
      return { mode: 'jwt', jwt, ...token };
    }
  }
}
