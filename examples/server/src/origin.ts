/**
 * Origin allowlists. A pattern is an exact origin (`https://shop.example`) or one with a leading
 * `*.` wildcard for any subdomain (`https://*.myshopify.com` matches `https://a.myshopify.com` but not
 * `https://myshopify.com` or `https://a.myshopify.com.evil.test`). Scheme and port must match exactly.
 * An allowlist stops casual embedding on other sites; it is not identity (any non-browser client can
 * send any Origin), so a valid credential is always required as well.
 */
export function originAllowed(origin: string | undefined, patterns: readonly string[]): boolean {
  if (!origin) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin) return false; // reject anything that is not a bare origin
  return patterns.some((pattern) => {
    if (pattern === origin) return true;
    const match = /^(https?):\/\/\*\.([^/:]+)(:\d+)?$/.exec(pattern);
    if (!match) return false;
    const [, scheme, domain, port = ''] = match;
    return (
      url.protocol === `${scheme}:` && url.hostname.endsWith(`.${domain}`) && (url.port ? `:${url.port}` : '') === port
    );
  });
}
