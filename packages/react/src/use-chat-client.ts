'use client';
import type { ChatClient, ChatClientOptions } from '@parlor/core';
import { useEffect, useState } from 'react';
import { clientKey } from './internal/client-key.js';
import { release, retain } from './internal/client-lease.js';
import { holdClient, settingsKey, updateSettings } from './internal/held-client.js';

/**
 * Creates a chat client for a component and destroys it when the component unmounts: one client per options
 * identity (site, server, auth, storage, compared by value, so inline objects are fine). `consent` and
 * `attributes` update the same client; `environment` is read once.
 *
 * Nothing opens until an effect runs, so server rendering and renders React throws away start nothing, and
 * StrictMode's double mount keeps the one client (its release waits a task, and the remount takes it back).
 *
 * @example
 * ```tsx
 * function Support() {
 *   const client = useChatClient({ siteId: 'my-shop', server: 'https://chat.example.com' });
 *   return (
 *     <ChatProvider client={client}>
 *       <MyChat />
 *     </ChatProvider>
 *   );
 * }
 * ```
 */
export function useChatClient(options: ChatClientOptions): ChatClient {
  const [held, setHeld] = useState(() => holdClient(options));
  let current = held;
  if (held.key !== clientKey(options)) setHeld((current = holdClient(options))); // a different visitor or site
  const eager = options.connect === 'eager';
  const settings = settingsKey(options);
  useEffect(() => {
    current.options = options; // read by the token getter and the settings below
  });
  useEffect(() => {
    if (!retain(current.client)) return setHeld(holdClient(options)); // destroyed while its tree was hidden
    updateSettings(current);
    if (eager) current.client.connect();
    return () => release(current.client);
  }, [current, eager, settings]);
  return current.client;
}
