import type { ChatClient, Consent } from '@parlor/core';
import { isParlorError } from '@parlor/core';
import type { ParlorChat, ParlorContext, ParlorIdentity, ParlorStrings } from '@parlor/widget';
import { sameValue } from './same-value.js';

/** The settings `<ChatWidget/>` sets as properties or through methods, never as attributes. */
export interface ElementSettings {
  open?: boolean | undefined;
  identity?: ParlorIdentity | undefined;
  context?: ParlorContext | undefined;
  consent?: Consent | undefined;
  strings?: Partial<ParlorStrings> | undefined;
  client?: ChatClient | undefined;
  container?: Element | null | undefined;
}

/** What was last applied to each element: a re-render applies only what changed since. */
const applied = new WeakMap<ParlorChat, ElementSettings>();

/**
 * Brings an upgraded `<parlor-chat>` in line with the component's props. Only changes are applied, so the
 * element is never fought over: a visitor who closed the panel keeps it closed until `open` itself changes.
 */
export function syncElement(el: ParlorChat, next: ElementSettings): void {
  const prev = applied.get(el) ?? {};
  applied.set(el, next);
  if (prev.strings !== next.strings) el.strings = next.strings;
  if (prev.client !== next.client) el.chatClient = next.client;
  if (prev.container !== next.container) el.container = next.container ?? null;
  if (next.consent && !sameValue(prev.consent, next.consent)) el.setConsent(next.consent);
  if (!sameValue(prev.context, next.context)) el.setContext(next.context ?? { attributes: {}, cart: null });
  if (!sameValue(prev.identity, next.identity)) {
    // A new identity signs the visitor in; removing it signs them out (nothing of them stays on the device).
    const done = next.identity ? el.identify(next.identity) : el.logout();
    done.catch((error: unknown) => report(el, error));
  } else if (prev.identity !== next.identity) {
    el.auth = next.identity; // same person, fresher token getter: used when the panel loads
  }
  if (prev.open !== next.open && next.open !== undefined) el.open = next.open;
}

/** A failed sign-in or sign-out reaches the page as the widget's own `parlor-error` event. */
function report(el: ParlorChat, error: unknown): void {
  if (!isParlorError(error)) throw error;
  el.dispatchEvent(new CustomEvent('parlor-error', { detail: { error }, bubbles: true, composed: true }));
}
