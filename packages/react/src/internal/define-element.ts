import type { ParlorChat } from '@parlor/widget';

/** The widget's tag name. */
export const TAG = 'parlor-chat';

let defining: Promise<void> | undefined;

/**
 * Loads `@parlor/widget` and registers `<parlor-chat>`, once. Called from effects only: the element's class
 * extends `HTMLElement`, so merely importing it on a server would throw. A page that registered the element
 * already (the CDN script, another copy of the widget) keeps its registration.
 */
export function defineParlorChat(): Promise<void> {
  defining ??= import('@parlor/widget').then(
    ({ ParlorChat }) => {
      if (!customElements.get(TAG)) customElements.define(TAG, ParlorChat);
    },
    (error: unknown) => {
      defining = undefined; // the chunk failed to download: the next mount tries again
      throw error;
    },
  );
  return defining;
}

/** Whether `node` is an upgraded `<parlor-chat>`, whose properties and methods can be used. */
export function isUpgraded(node: Element | null): node is ParlorChat {
  return node !== null && customElements.get(TAG) !== undefined && node.matches(':defined');
}
