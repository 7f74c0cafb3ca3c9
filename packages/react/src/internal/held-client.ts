import { createChatClient, type ChatClient, type ChatClientOptions } from '@parlor/core';
import { clientKey } from './client-key.js';

/** A client with the options it was made from; `options` is kept current after every commit. */
export interface HeldClient {
  readonly key: string;
  readonly client: ChatClient;
  options: ChatClientOptions;
  /** `consent` and `attributes` as last given to the client. */
  settings: string;
}

/** The settings that change on a live client, as a comparable string. */
export const settingsKey = ({ consent, attributes }: ChatClientOptions) => JSON.stringify([consent, attributes]);

/**
 * Creates a client that does nothing yet: always `connect: 'lazy'` (an effect connects an eager one), so a
 * client made during a render React throws away never opens anything. A JWT getter is called through the
 * latest options, so a new closure each render is fine.
 */
export function holdClient(options: ChatClientOptions): HeldClient {
  const held = { key: clientKey(options), options, settings: settingsKey(options) } as HeldClient;
  const first = options.auth?.mode === 'jwt' ? options.auth.token : undefined;
  const getter =
    typeof first === 'function'
      ? () => {
          const latest = held.options.auth;
          return (latest?.mode === 'jwt' && typeof latest.token === 'function' ? latest.token : first)();
        }
      : undefined;
  const client = createChatClient({
    ...options,
    ...(getter ? { auth: { mode: 'jwt', token: getter } } : {}),
    connect: 'lazy',
  });
  return Object.assign(held, { client });
}

/** Gives a live client the `consent` and `attributes` that changed since it last got them. */
export function updateSettings(held: HeldClient): void {
  const settings = settingsKey(held.options);
  if (settings === held.settings) return;
  held.settings = settings;
  const { consent, attributes } = held.options;
  if (consent) held.client.setConsent(consent);
  held.client.setContext({ attributes: attributes ?? {} });
}
