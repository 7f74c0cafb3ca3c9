/**
 * The Parlor wire protocol v1, shared by clients and servers: every frame in both directions as a zod
 * schema (one discriminated union per direction), with TypeScript types inferred from them, the error
 * and close codes, and the limits. See docs/protocol.md for the rules.
 *
 * This entry point is importable by a server without pulling in the client.
 *
 * @packageDocumentation
 */

export { PROTOCOL_VERSION } from './version.js';
export { CLOSE_CODES, ERROR_CODES, closeAction } from './codes.js';
export { DEFAULT_ATTACHMENT_TYPES, DEFAULT_LIMITS } from './defaults.js';
export { limitsSchema } from './limits.js';
export {
  TEXT_HARD_LIMIT,
  attachmentBodySchema,
  attributesSchema,
  authorSchema,
  bodySchema,
  cartSchema,
  clientIdSchema,
  consentSchema,
  conversationStateSchema,
  epochSchema,
  messageSchema,
  pageSchema,
  quickRepliesSchema,
  roleSchema,
  seqSchema,
  serverIdSchema,
  siteIdSchema,
  textBodySchema,
  timeSchema,
} from './common.js';
export {
  anonymousAuthSchema,
  authSchema,
  clientFrameSchema,
  contextFrame,
  helloFrame,
  historyFrame,
  identifiedAuthSchema,
  identifyFrame,
  jwtAuthSchema,
  logoutFrame,
  pingFrame,
  readFrame,
  sendFrame,
  syncFrame,
  typingFrame,
} from './client-frames.js';
export {
  ackFrame,
  conversationFrame,
  errorFrame,
  messageFrame,
  olderFrame,
  pongFrame,
  presenceFrame,
  presenceSchema,
  readEventFrame,
  serverFrameSchema,
  syncedFrame,
  typingEventFrame,
  welcomeFrame,
} from './server-frames.js';
export {
  SUMMARY_LABEL_MAX,
  SUMMARY_PREVIEW_MAX,
  SUMMARY_TITLE_MAX,
  SUMMARY_URL_MAX,
  VISITORS_BATCH_MAX,
  agentClientFrameSchema,
  agentServerFrameSchema,
  conversationSummarySchema,
  liveVisitorSchema,
  pageSummarySchema,
  visitorContextSchema,
  visitorInfoSchema,
  visitorSummarySchema,
} from './agent-frames.js';
export { parseFrame } from './parse.js';

export type { CloseAction, ErrorCode } from './codes.js';
export type { Limits } from './defaults.js';
export type { ParseResult } from './parse.js';
export type * from './types.js';
