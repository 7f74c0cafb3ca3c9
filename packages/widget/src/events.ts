import type { Message, ParlorError } from '@parlor/core';

/** Detail of `parlor-open` and `parlor-close`. */
export interface ParlorToggleDetail {
  /** Whether the panel is open after the change. */
  open: boolean;
}

/** Detail of `parlor-message`: a message from the other side (agent, bot, system) arrived. */
export interface ParlorMessageDetail {
  message: Message;
}

/** Detail of `parlor-unread-change`. */
export interface ParlorUnreadDetail {
  /** Messages from agents and bots the visitor has not read. */
  unread: number;
}

/** Detail of `parlor-error`. */
export interface ParlorErrorDetail {
  /** The typed error; `error.code` says what went wrong (`unauthorized`, `too_large`, `rate_limited`…). */
  error: ParlorError;
}

/** Detail of `parlor-ready`: the panel's code is loaded and its client created. */
export interface ParlorReadyDetail {
  /** The widget's locale after resolution (`fr` for a `fr-CA` page). */
  locale: string;
}

/** Every DOM event `<parlor-chat>` fires, by name. All bubble and cross shadow roots. */
export interface ParlorEventMap {
  'parlor-ready': CustomEvent<ParlorReadyDetail>;
  'parlor-open': CustomEvent<ParlorToggleDetail>;
  'parlor-close': CustomEvent<ParlorToggleDetail>;
  'parlor-message': CustomEvent<ParlorMessageDetail>;
  'parlor-unread-change': CustomEvent<ParlorUnreadDetail>;
  'parlor-error': CustomEvent<ParlorErrorDetail>;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges the map into the DOM's own
  interface HTMLElementEventMap extends ParlorEventMap {}
}

/** Fires a Parlor event from `target`: bubbling, composed, typed by name. */
export function emit<K extends keyof ParlorEventMap>(
  target: EventTarget,
  name: K,
  detail: ParlorEventMap[K]['detail'],
): void {
  target.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
}
