import type { ChatClientOptions } from '@parlor/core';

/**
 * What makes two option objects the same client: the site, server, identity and storage settings, by value.
 * `connect`, `consent` and `attributes` change over time on one client; `environment` and a token function are read as
 * they are when the client is created (the function through the latest options, see `useChatClient`).
 */
export function clientKey(options: ChatClientOptions): string {
  const { siteId, server, auth, trackPage, shareTabs, storage } = options;
  return JSON.stringify([siteId, server, auth, trackPage, shareTabs, storage]);
}
