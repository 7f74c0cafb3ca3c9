import type { ChatClient } from '@parlor/core';

const releasing = new WeakMap<ChatClient, ReturnType<typeof setTimeout>>();
const destroyed = new WeakSet<ChatClient>();

/**
 * Keeps a client alive for a mounted component. False when it was already destroyed (a tree hidden long enough
 * for its release to go through, then shown again): the caller makes a new one.
 */
export function retain(client: ChatClient): boolean {
  clearTimeout(releasing.get(client));
  releasing.delete(client);
  return !destroyed.has(client);
}

/**
 * Destroys a client a task after its component unmounted, unless it is retained again first. StrictMode
 * unmounts and remounts every effect at once: the same client comes back, and no socket is ever duplicated.
 */
export function release(client: ChatClient): void {
  releasing.set(
    client,
    setTimeout(() => {
      releasing.delete(client);
      destroyed.add(client);
      client.destroy();
    }),
  );
}
