const KEY = 'parlor.agent.token';

/** The agent token of this browser tab (sessionStorage: gone when the tab closes), if any. */
export function loadSessionToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Remembers the token for this tab only, or forgets it when `token` is undefined. */
export function saveSessionToken(token: string | undefined): void {
  try {
    if (token === undefined) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, token);
  } catch {
    // Storage may be disabled; the console then asks again after a reload.
  }
}
