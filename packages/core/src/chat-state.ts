import type { ConversationState, Limits, Message, Presence, Role, WelcomeFrame } from './protocol/index.js';
import {
  EMPTY_TIMELINE,
  acknowledge,
  mergeStored,
  removePending,
  timelineItems,
  unreadCount,
  upsertPending,
  type PendingItem,
  type Timeline,
  type TimelineItem,
} from './timeline.js';

/** The connection as a UI needs to show it. */
export type ConnectionView =
  /** Nothing started yet (lazy until the visitor interacts). */
  | { status: 'idle' }
  | { status: 'connecting'; attempt: number }
  /** Between attempts; messages still queue and will be sent when back. */
  | { status: 'waiting'; attempt: number; retryInMs: number }
  | { status: 'open'; since: number }
  /** Given up for good (bad credential, unknown site, forbidden origin…): see `error`. */
  | { status: 'stopped'; code: string; message: string };

/** Who the server says the visitor is. */
export type VisitorView = Omit<WelcomeFrame['visitor'], 'token'>;

/** The site's public settings from the welcome. */
export type SiteView = Omit<WelcomeFrame['site'], 'presence'>;

/** Everything a chat UI renders, in one immutable snapshot. */
export interface ChatState {
  readonly connection: ConnectionView;
  /** `leader`: this tab holds the socket; `follower`: another tab does; `solo`: no coordination here. */
  readonly tab: 'leader' | 'follower' | 'solo';
  /** Where the outbox and history live: `none` until first needed (privacy: nothing is stored before). */
  readonly storage: 'indexeddb' | 'memory' | 'none';
  readonly visitor: VisitorView | null;
  readonly site: SiteView | null;
  /** What the server accepts (text length, attachment size and types), from the welcome; null before it. */
  readonly limits: Limits | null;
  readonly conversation: ConversationState | null;
  readonly timeline: Timeline;
  /** The timeline in display order (stored by seq, then pending in send order). */
  readonly items: readonly TimelineItem[];
  /** Messages from agents and bots the visitor has not read. */
  readonly unread: number;
  /** The other side is typing. */
  readonly typing: { role: Role; name?: string } | null;
  readonly presence: Presence;
  /** Older history exists on the server. */
  readonly hasOlder: boolean;
  /** The last error worth showing (a refused message, a stopped connection). */
  readonly error: { code: string; message: string } | null;
}

/** Everything that changes the state: the client dispatches these and nothing else. */
export type ChatAction =
  | { type: 'connection'; connection: ConnectionView }
  | { type: 'tab'; tab: ChatState['tab'] }
  | { type: 'storage'; kind: ChatState['storage'] }
  | { type: 'welcome'; frame: WelcomeFrame }
  | { type: 'restore'; conversation: ConversationState | null; messages: Message[]; pending: PendingItem[] }
  | { type: 'pending'; item: PendingItem }
  | { type: 'discard'; id: string }
  | { type: 'ack'; id: string; conversation: string; seq: number; at: number }
  | { type: 'messages'; messages: Message[] }
  /** History was rebuilt (`recovered: false`): drop the copy, keep pending sends. */
  | { type: 'replace'; conversation: ConversationState | null; messages: Message[]; hasOlder: boolean }
  | { type: 'older'; messages: Message[]; more: boolean }
  | { type: 'typing'; role: Role; name?: string; on: boolean }
  | { type: 'read'; role: Role; seq: number }
  | { type: 'conversation'; conversation: ConversationState }
  | { type: 'presence'; presence: Presence }
  | { type: 'error'; error: { code: string; message: string } | null }
  /** A different person now (logout): nothing of the previous one is kept. */
  | { type: 'reset' };

/** The state before anything happened. */
export const INITIAL_STATE: ChatState = Object.freeze<ChatState>({
  connection: { status: 'idle' },
  tab: 'solo',
  storage: 'none',
  visitor: null,
  site: null,
  limits: null,
  conversation: null,
  timeline: EMPTY_TIMELINE,
  items: [],
  unread: 0,
  typing: null,
  presence: 'offline',
  hasOlder: false,
  error: null,
});

/**
 * Read points only move forward: a description of the same conversation that was read from storage
 * before a tab marked it read must not make the message unread again (the server never sends the
 * read back to the socket it came from).
 */
function laterOf(previous: ConversationState | null, next: ConversationState | null): ConversationState | null {
  if (!previous || !next || previous === next || previous.id !== next.id || previous.epoch !== next.epoch) return next;
  if (previous.visitorReadSeq <= next.visitorReadSeq && previous.agentReadSeq <= next.agentReadSeq) return next;
  return {
    ...next,
    visitorReadSeq: Math.max(previous.visitorReadSeq, next.visitorReadSeq),
    agentReadSeq: Math.max(previous.agentReadSeq, next.agentReadSeq),
  };
}

/** Recomputes what is derived from the timeline and the conversation. */
function withTimeline(state: ChatState, timeline: Timeline, described = state.conversation): ChatState {
  const conversation = laterOf(state.conversation, described);
  const lastSeq = Math.max(conversation?.lastSeq ?? 0, timeline.stored.at(-1)?.seq ?? 0);
  const merged = conversation && lastSeq !== conversation.lastSeq ? { ...conversation, lastSeq } : conversation;
  return {
    ...state,
    conversation: merged,
    timeline,
    items: timelineItems(timeline),
    unread: unreadCount(timeline.stored, merged?.visitorReadSeq ?? 0),
  };
}

/** Seeds a conversation from its first message when the server has not described it yet. */
function conversationOf(state: ChatState, message: Message | undefined): ConversationState | null {
  if (state.conversation || !message) return state.conversation;
  return {
    id: message.conversation,
    status: 'open',
    epoch: 1,
    lastSeq: message.seq,
    visitorReadSeq: 0,
    agentReadSeq: 0,
  };
}

/**
 * The reducer: the only place the state changes. Returns the same object when nothing changed, so a
 * snapshot stays stable between changes (`useSyncExternalStore`, Lit controllers).
 */
export function reduce(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'connection':
      return { ...state, connection: action.connection };
    case 'tab':
      return state.tab === action.tab ? state : { ...state, tab: action.tab };
    case 'storage':
      return state.storage === action.kind ? state : { ...state, storage: action.kind };
    case 'welcome': {
      const { token: _token, ...visitor } = action.frame.visitor;
      const { presence, ...site } = action.frame.site;
      const sameVisitor = state.visitor?.id === visitor.id;
      const base: ChatState = { ...state, visitor, site, presence, limits: action.frame.limits, error: null };
      // Another person (identify to a different user, logout): their history is not ours to show.
      const timeline = sameVisitor || !state.visitor ? state.timeline : { stored: [], pending: state.timeline.pending };
      return withTimeline(base, timeline, action.frame.conversation ?? (sameVisitor ? state.conversation : null));
    }
    case 'restore': {
      const merged = mergeStored(state.timeline, action.messages).timeline;
      const timeline = action.pending.reduce(upsertPending, merged);
      return withTimeline(state, timeline, state.conversation ?? action.conversation);
    }
    case 'pending':
      return withTimeline(state, upsertPending(state.timeline, action.item));
    case 'discard':
      return withTimeline(state, removePending(state.timeline, action.id));
    case 'ack': {
      const { timeline, added } = acknowledge(state.timeline, action);
      return withTimeline(state, timeline, conversationOf(state, added[0]));
    }
    case 'messages': {
      const { timeline, added } = mergeStored(state.timeline, action.messages);
      if (timeline === state.timeline) return state;
      const typingDone = added.some((m) => state.typing && m.author.role === state.typing.role);
      return withTimeline(typingDone ? { ...state, typing: null } : state, timeline, conversationOf(state, added[0]));
    }
    case 'replace':
      return withTimeline(
        { ...state, hasOlder: action.hasOlder },
        mergeStored({ stored: [], pending: state.timeline.pending }, action.messages).timeline,
        action.conversation,
      );
    case 'older': {
      const { timeline } = mergeStored(state.timeline, action.messages);
      return withTimeline({ ...state, hasOlder: action.more }, timeline);
    }
    case 'typing':
      if (action.role === 'visitor') return state;
      return {
        ...state,
        typing: action.on ? { role: action.role, ...(action.name ? { name: action.name } : {}) } : null,
      };
    case 'read': {
      const c = state.conversation;
      if (!c) return state;
      const key = action.role === 'visitor' ? 'visitorReadSeq' : 'agentReadSeq';
      if (action.seq <= c[key]) return state;
      return withTimeline(state, state.timeline, { ...c, [key]: action.seq });
    }
    case 'conversation':
      return withTimeline(state, state.timeline, action.conversation);
    case 'presence':
      return state.presence === action.presence ? state : { ...state, presence: action.presence };
    case 'error':
      return { ...state, error: action.error };
    case 'reset':
      return { ...INITIAL_STATE, connection: state.connection, tab: state.tab, storage: state.storage };
  }
}

/** The pending item for a failed send, from the error the server gave. */
export function failed(item: PendingItem, error: { code: string; message: string }): PendingItem {
  return { ...item, state: 'failed', error };
}
