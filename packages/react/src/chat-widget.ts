import { createComponent, type EventName } from '@lit/react';
import { ParlorChat } from '@parlor/widget';
import type { ParlorEventMap } from '@parlor/widget';
import * as React from 'react';

const TAG = 'parlor-chat';

/**
 * The Parlor chat widget as a React component. Settings are props; widget events are callbacks.
 * Registers `<parlor-chat>` on first render in the browser, never during server rendering.
 *
 * @example
 * ```tsx
 * <ChatWidget siteId="demo" server="https://chat.example.com" onOpen={() => console.log('opened')} />
 * ```
 */
export const ChatWidget = createComponent({
  react: React,
  tagName: TAG,
  elementClass: ParlorChat,
  events: {
    onReady: 'parlor-ready' as EventName<ParlorEventMap['parlor-ready']>,
    onOpen: 'parlor-open' as EventName<ParlorEventMap['parlor-open']>,
    onClose: 'parlor-close' as EventName<ParlorEventMap['parlor-close']>,
    onMessage: 'parlor-message' as EventName<ParlorEventMap['parlor-message']>,
    onUnreadChange: 'parlor-unread-change' as EventName<ParlorEventMap['parlor-unread-change']>,
    onError: 'parlor-error' as EventName<ParlorEventMap['parlor-error']>,
  },
});

// The element class is registered at import in the browser; server rendering has no registry.
if (typeof customElements !== 'undefined' && !customElements.get(TAG)) customElements.define(TAG, ParlorChat);

/** Props of {@link ChatWidget}. */
export type ChatWidgetProps = React.ComponentProps<typeof ChatWidget>;
