/** Detail of `parlor-open` and `parlor-close`. */
export interface ParlorToggleDetail {
  /** Whether the panel is open after the change. */
  open: boolean;
}

/** Every DOM event `<parlor-chat>` fires, by name. All bubble and cross shadow roots. */
export interface ParlorEventMap {
  'parlor-open': CustomEvent<ParlorToggleDetail>;
  'parlor-close': CustomEvent<ParlorToggleDetail>;
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
