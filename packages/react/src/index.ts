/**
 * `@parlor/react`: the Parlor chat widget as a React component, and hooks for building your own chat UI on
 * `@parlor/core`. Safe to import and render on a server; React 18 and 19.
 *
 * @packageDocumentation
 */

export { ChatWidget } from './chat-widget.js';
export { ChatProvider, ChatClientContext } from './chat-provider.js';
export { useChat } from './use-chat.js';
export { useChatClient } from './use-chat-client.js';

export type { ChatWidgetHandle, ChatWidgetProps, ChatWidgetStyle } from './chat-widget.js';
export type { ChatProviderProps } from './chat-provider.js';
export type { ChatActions, UseChatResult } from './use-chat.js';
export type {
  ChatClient,
  ChatClientOptions,
  ChatState,
  Consent,
  ConnectionView,
  Message,
  ParlorError,
  PendingItem,
  StoredItem,
  TimelineItem,
} from '@parlor/core';
export type { ParlorContext, ParlorEventMap, ParlorIdentity, ParlorStrings } from '@parlor/widget';
