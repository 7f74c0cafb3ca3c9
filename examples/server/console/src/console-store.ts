import { DEFAULT_LIMITS } from '@parlor/core/protocol';
import type { AgentServerFrame, Body, ConversationSummary, Limits, LiveVisitor, Message } from '@parlor/core/protocol';
import type { StatsDay } from './stats-table.js';

/** A conversation's place in the queue. */
export type ConversationStatus = ConversationSummary['status'];

/** The console's top-level sections. */
export type Section = 'conversations' | 'visitors' | 'analytics';

/** Whether the agent is signed in: `signing-in` until the first `welcome` of a session. */
export type AuthState = 'signed-out' | 'signing-in' | 'signed-in';

/** The socket as the agent sees it. */
export type ConnectionState =
  | { kind: 'offline' }
  | { kind: 'connecting' }
  | { kind: 'online' }
  | { kind: 'waiting'; retryAt: number; reason: string };

/** This agent's own presence. */
export type MyPresence = 'online' | 'away';

/** An agent as `presence` frames list them. */
export interface AgentPresence {
  id: string;
  name: string;
  status: 'online' | 'away' | 'offline';
}

/** A reply sent (or being sent) but not acknowledged yet. */
export interface PendingReply {
  /** The client id (UUIDv7): re-sent unchanged after a reconnect, the server dedupes by it. */
  id: string;
  conversation: string;
  body: Body;
  quickReplies?: string[];
  createdAt: number;
  status: 'sending' | 'failed';
  error?: string;
}

/** Who is typing in the open conversation. */
export interface TypingState {
  role: Message['author']['role'];
  name?: string;
}

/** The open conversation's messages. */
export interface Transcript {
  conversation: string;
  /** Sorted by seq, one message per seq. */
  messages: readonly Message[];
  /** Older messages exist on the server. */
  more: boolean;
  /** Waiting for the `transcript` answer to `open`. */
  loading: boolean;
  loadingOlder: boolean;
  /** Highest seq the visitor has read. */
  visitorReadSeq: number;
  typing?: TypingState;
  error?: string;
}

/** A proactive message to a live visitor. */
export interface ProactiveSend {
  id: string;
  visitor: string;
  text: string;
  status: 'sending' | 'sent' | 'failed';
  error?: string;
}

/** The analytics table's data. */
export interface StatsState {
  site?: string;
  status: 'idle' | 'loading' | 'loaded' | 'error';
  days: readonly StatsDay[];
  error?: string;
}

/** Everything the console shows. Immutable: every change makes a new object. */
export interface ConsoleState {
  auth: AuthState;
  /** Why the agent was signed out (shown on the sign-in screen). */
  authError?: string;
  connection: ConnectionState;
  agent?: { id: string; name: string };
  sites: readonly string[];
  limits: Limits;
  /** Server clock minus local clock, in ms, from `welcome.serverTime`. */
  clockOffset: number;
  section: Section;
  filter: ConversationStatus;
  conversations: ReadonlyMap<string, ConversationSummary>;
  /** A `conversations` list arrived since the last `welcome` (alerts compare against it). */
  baselineLoaded: boolean;
  openId?: string;
  transcript?: Transcript;
  pending: ReadonlyMap<string, PendingReply>;
  visitors: readonly LiveVisitor[];
  /** Identity and full context of the open conversation's visitor, from the last `details` answer. */
  details?: Extract<AgentServerFrame, { type: 'details' }>;
  agents: readonly AgentPresence[];
  myPresence: MyPresence;
  proactive: ReadonlyMap<string, ProactiveSend>;
  stats: StatsState;
  /** The last error not tied to a reply or a request, shown in an alert. */
  notice?: string;
}

/** Everything that can change the state: frames from the server and the agent's own actions. */
export type ConsoleAction =
  | { type: 'signIn' }
  | { type: 'signOut'; error?: string }
  | { type: 'connection'; state: ConnectionState }
  | { type: 'frame'; frame: AgentServerFrame; now: number }
  | { type: 'section'; section: Section }
  | { type: 'filter'; filter: ConversationStatus }
  | { type: 'open'; conversation: string }
  | { type: 'olderRequested' }
  | { type: 'replyQueued'; reply: PendingReply }
  | { type: 'replyRetried'; id: string }
  | { type: 'replyFailed'; id: string; error: string }
  | { type: 'replyDiscarded'; id: string }
  | { type: 'typingExpired'; conversation: string }
  | { type: 'presenceSet'; status: MyPresence }
  | { type: 'proactiveQueued'; send: ProactiveSend }
  | { type: 'proactiveWritten'; id: string }
  | { type: 'proactiveFailed'; id: string; error: string }
  | { type: 'statsRequested'; site: string }
  | { type: 'statsLoaded'; site: string; days: readonly StatsDay[] }
  | { type: 'statsFailed'; site: string; error: string }
  | { type: 'notice'; text?: string };

/** The state before sign-in. */
export function initialConsoleState(): ConsoleState {
  return {
    auth: 'signed-out',
    connection: { kind: 'offline' },
    sites: [],
    limits: { ...DEFAULT_LIMITS, attachmentTypes: [...DEFAULT_LIMITS.attachmentTypes] },
    clockOffset: 0,
    section: 'conversations',
    filter: 'waiting',
    conversations: new Map(),
    baselineLoaded: false,
    pending: new Map(),
    visitors: [],
    agents: [],
    myPresence: 'online',
    proactive: new Map(),
    stats: { status: 'idle', days: [] },
  };
}

/** Called after every change with the new and the previous state. */
export type ConsoleListener = (state: ConsoleState, previous: ConsoleState) => void;

/** A minimal observable store around a pure reducer. */
export interface ConsoleStore {
  getSnapshot(): ConsoleState;
  dispatch(action: ConsoleAction): void;
  subscribe(listener: ConsoleListener): () => void;
}

/** Creates a store that applies `reducer` to each action and notifies subscribers when the state changed. */
export function createConsoleStore(
  reducer: (state: ConsoleState, action: ConsoleAction) => ConsoleState,
  initial: ConsoleState = initialConsoleState(),
): ConsoleStore {
  let state = initial;
  const listeners = new Set<ConsoleListener>();
  return {
    getSnapshot: () => state,
    dispatch(action) {
      const previous = state;
      state = reducer(state, action);
      if (state === previous) return;
      for (const listener of [...listeners]) listener(state, previous);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
