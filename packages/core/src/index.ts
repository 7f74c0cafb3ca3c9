/**
 * `@parlor/core`: the framework-neutral Parlor chat client. It owns auth, the connection, the outbox,
 * the timeline and events, and renders nothing.
 *
 * @packageDocumentation
 */

export { ChatClient, createChatClient } from './client.js';
export { ParlorError, isParlorError } from './errors.js';
export { uuidv7 } from './uuid-v7.js';
export { authOptionSchema, chatClientOptionsSchema } from './options.js';
export { PROTOCOL_VERSION } from './protocol/index.js';

export type { ChatEvent, ChatListener } from './client.js';
export type { ChatState, ConnectionView, SiteView, VisitorView } from './chat-state.js';
export type { ChatClientOptions, ChatEnvironment, AuthOption } from './options.js';
export type { ParlorErrorCode } from './errors.js';
export type { PendingItem, StoredItem, Timeline, TimelineItem } from './timeline.js';
export type {
  Attributes,
  Body,
  Cart,
  Consent,
  ConversationState,
  Limits,
  Message,
  Page,
  Presence,
  Role,
} from './protocol/index.js';
