import type { z } from 'zod/mini';
import type * as agent from './agent-frames.js';
import type * as client from './client-frames.js';
import type * as common from './common.js';
import type * as server from './server-frames.js';

// Types are inferred from the schemas, never written twice.

/** A message author's role. */
export type Role = z.output<typeof common.roleSchema>;
/** A message author. */
export type Author = z.output<typeof common.authorSchema>;
/** A message body: text or attachment. */
export type Body = z.output<typeof common.bodySchema>;
/** A text body. */
export type TextBody = z.output<typeof common.textBodySchema>;
/** An attachment body. */
export type AttachmentBody = z.output<typeof common.attachmentBodySchema>;
/** A stored message. */
export type Message = z.output<typeof common.messageSchema>;
/** A conversation's visitor-facing state. */
export type ConversationState = z.output<typeof common.conversationStateSchema>;
/** The visitor's page. */
export type Page = z.output<typeof common.pageSchema>;
/** Custom visitor attributes. */
export type Attributes = z.output<typeof common.attributesSchema>;
/** A cart. */
export type Cart = z.output<typeof common.cartSchema>;
/** The visitor's consent. */
export type Consent = z.output<typeof common.consentSchema>;

/** A visitor credential. */
export type Auth = z.output<typeof client.authSchema>;
/** Every visitor → server frame. */
export type ClientFrame = z.output<typeof client.clientFrameSchema>;
/** `hello`. */
export type HelloFrame = z.output<typeof client.helloFrame>;
/** `send`. */
export type SendFrame = z.output<typeof client.sendFrame>;
/** `context`. */
export type ContextFrame = z.output<typeof client.contextFrame>;

/** Every server → visitor frame. */
export type ServerFrame = z.output<typeof server.serverFrameSchema>;
/** `welcome`. */
export type WelcomeFrame = z.output<typeof server.welcomeFrame>;
/** `ack`. */
export type AckFrame = z.output<typeof server.ackFrame>;
/** `synced`. */
export type SyncedFrame = z.output<typeof server.syncedFrame>;
/** `error`. */
export type ErrorFrame = z.output<typeof server.errorFrame>;
/** Agent presence as a visitor sees it. */
export type Presence = z.output<typeof server.presenceSchema>;

/** Every agent console → server frame. */
export type AgentClientFrame = z.output<typeof agent.agentClientFrameSchema>;
/** Every server → agent console frame. */
export type AgentServerFrame = z.output<typeof agent.agentServerFrameSchema>;
/** A row of the agent's conversation list. */
export type ConversationSummary = z.output<typeof agent.conversationSummarySchema>;
/** A visitor as the agent sees them. */
export type VisitorInfo = z.output<typeof agent.visitorInfoSchema>;
/** A visitor's identity cut to summary size (list rows, live visitors). */
export type VisitorSummary = z.output<typeof agent.visitorSummarySchema>;
/** A visitor's page cut to summary size (list rows, live visitors). */
export type PageSummary = z.output<typeof agent.pageSummarySchema>;
/** A visitor's context as the agent sees it. */
export type VisitorContext = z.output<typeof agent.visitorContextSchema>;
/** A visitor on a site right now. */
export type LiveVisitor = z.output<typeof agent.liveVisitorSchema>;
