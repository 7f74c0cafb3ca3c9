import type { AgentServerFrame, ConversationSummary, LiveVisitor, Message } from '@parlor/core/protocol';
import type { ConsoleAction, ConsoleState, PendingReply, Transcript } from './console-store.js';
import { initialConsoleState } from './console-store.js';

type Frame<T extends AgentServerFrame['type']> = Extract<AgentServerFrame, { type: T }>;

/** Longest list preview built locally from a `message` frame. */
const PREVIEW_LENGTH = 140;

/** A copy of `map` with `key` set to `value`. */
function withEntry<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): Map<K, V> {
  const next = new Map(map);
  next.set(key, value);
  return next;
}

/** A copy of `map` without `key`, or `map` itself when the key is absent. */
function withoutEntry<K, V>(map: ReadonlyMap<K, V>, key: K): ReadonlyMap<K, V> {
  if (!map.has(key)) return map;
  const next = new Map(map);
  next.delete(key);
  return next;
}

/** Merges messages into a seq-sorted list; a later copy of a seq replaces the earlier one. */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): Message[] {
  const bySeq = new Map<number, Message>();
  for (const m of existing) bySeq.set(m.seq, m);
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** The one-line preview of a message for the list. */
export function messagePreview(message: Message): string {
  const text = message.body.kind === 'text' ? message.body.text : `Attachment: ${message.body.name}`;
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > PREVIEW_LENGTH ? `${line.slice(0, PREVIEW_LENGTH - 1)}…` : line;
}

function upsertConversations(state: ConsoleState, items: readonly ConversationSummary[]): ConsoleState {
  if (items.length === 0) return state;
  const conversations = new Map(state.conversations);
  for (const item of items) conversations.set(item.id, item);
  let transcript = state.transcript;
  const open = transcript ? conversations.get(transcript.conversation) : undefined;
  if (transcript && open && open.visitorReadSeq > transcript.visitorReadSeq) {
    transcript = { ...transcript, visitorReadSeq: open.visitorReadSeq };
  }
  return { ...state, conversations, ...(transcript ? { transcript } : {}) };
}

function onWelcome(state: ConsoleState, frame: Frame<'welcome'>, now: number): ConsoleState {
  // The server forgot this connection's subscriptions: rows are listed again, the open one re-opened.
  const conversations = new Map<string, ConversationSummary>();
  const open = state.openId ? state.conversations.get(state.openId) : undefined;
  if (open) conversations.set(open.id, open);
  const site = state.stats.site && frame.sites.includes(state.stats.site) ? state.stats.site : frame.sites[0];
  const proactive = new Map(state.proactive);
  for (const [id, send] of proactive) {
    if (send.status === 'sending') proactive.set(id, { ...send, status: 'failed', error: 'Connection lost' });
  }
  const { authError: _dropped, ...rest } = state;
  return {
    ...rest,
    auth: 'signed-in',
    connection: { kind: 'online' },
    agent: frame.agent,
    sites: frame.sites,
    limits: frame.limits,
    clockOffset: frame.serverTime - now,
    conversations,
    baselineLoaded: false,
    visitors: [],
    agents: [],
    proactive,
    stats: site === undefined ? { status: 'idle', days: [] } : { ...state.stats, site },
    ...(state.transcript ? { transcript: { ...state.transcript, loading: true } } : {}),
  };
}

function onTranscript(state: ConsoleState, frame: Frame<'transcript'>): ConsoleState {
  const next = upsertConversations(state, [frame.item]);
  if (frame.item.id !== state.openId) return next;
  const previous = state.transcript?.conversation === frame.item.id ? state.transcript : undefined;
  const incoming = [...frame.messages].sort((a, b) => a.seq - b.seq);
  const oldestNew = incoming[0]?.seq ?? frame.item.lastSeq + 1;
  const newestOld = previous?.messages.at(-1)?.seq ?? 0;
  // Keep what was loaded before only if the new page joins it without a gap (seqs have no holes).
  const keep = previous && previous.messages.length > 0 && newestOld + 1 >= oldestNew;
  const messages = keep ? mergeMessages(previous.messages, incoming) : incoming;
  const oldest = messages[0]?.seq ?? 1;
  const more = oldest > 1 && (keep && (previous.messages[0]?.seq ?? Infinity) < oldestNew ? previous.more : frame.more);
  const transcript: Transcript = {
    conversation: frame.item.id,
    messages,
    more,
    loading: false,
    loadingOlder: false,
    visitorReadSeq: Math.max(frame.item.visitorReadSeq, previous?.visitorReadSeq ?? 0),
    ...(previous?.typing ? { typing: previous.typing } : {}),
  };
  return { ...next, transcript };
}

function onOlder(state: ConsoleState, frame: Frame<'older'>): ConsoleState {
  const transcript = state.transcript;
  if (!transcript || transcript.conversation !== frame.conversation) return state;
  const messages = mergeMessages(transcript.messages, frame.messages);
  const more = frame.more && (messages[0]?.seq ?? 1) > 1;
  return { ...state, transcript: { ...transcript, messages, more, loadingOlder: false } };
}

function onMessage(state: ConsoleState, message: Message): ConsoleState {
  let next: ConsoleState = { ...state, pending: withoutEntry(state.pending, message.id) };
  const row = state.conversations.get(message.conversation);
  if (row && message.seq > row.lastSeq) {
    // The server pushes the row too; this keeps the preview fresh if that push comes later.
    const lastMessage = { role: message.author.role, preview: messagePreview(message), at: message.at };
    const updated: ConversationSummary = { ...row, lastSeq: message.seq, lastMessage, updatedAt: message.at };
    next = { ...next, conversations: withEntry(state.conversations, row.id, updated) };
  }
  const transcript = state.transcript;
  if (transcript && transcript.conversation === message.conversation) {
    const updated: Transcript = { ...transcript, messages: mergeMessages(transcript.messages, [message]) };
    if (transcript.typing?.role === message.author.role) delete updated.typing;
    next = { ...next, transcript: updated };
  }
  return next;
}

function onAck(state: ConsoleState, frame: Frame<'ack'>): ConsoleState {
  const proactive = state.proactive.get(frame.id);
  if (proactive) {
    return { ...state, proactive: withEntry(state.proactive, frame.id, { ...proactive, status: 'sent' }) };
  }
  const reply = state.pending.get(frame.id);
  if (!reply) return state;
  const next: ConsoleState = { ...state, pending: withoutEntry(state.pending, frame.id) };
  const transcript = state.transcript;
  if (!transcript || transcript.conversation !== frame.conversation) return next;
  if (transcript.messages.some((m) => m.seq === frame.seq)) return next;
  // Show the stored reply at once; the server's `message` copy of the same seq replaces it.
  const message: Message = {
    conversation: frame.conversation,
    seq: frame.seq,
    id: reply.id,
    author: { role: 'agent', ...(state.agent ? { name: state.agent.name, id: state.agent.id } : {}) },
    body: reply.body,
    at: frame.at,
    ...(reply.quickReplies ? { quickReplies: reply.quickReplies } : {}),
  };
  return { ...next, transcript: { ...transcript, messages: mergeMessages(transcript.messages, [message]) } };
}

function onTyping(state: ConsoleState, frame: Frame<'typing'>): ConsoleState {
  const transcript = state.transcript;
  if (!transcript || transcript.conversation !== frame.conversation) return state;
  if (frame.on) {
    const typing = { role: frame.role, ...(frame.name !== undefined ? { name: frame.name } : {}) };
    return { ...state, transcript: { ...transcript, typing } };
  }
  if (!transcript.typing || transcript.typing.role !== frame.role) return state;
  const { typing: _off, ...rest } = transcript;
  return { ...state, transcript: rest };
}

function onRead(state: ConsoleState, frame: Frame<'read'>): ConsoleState {
  const row = state.conversations.get(frame.conversation);
  let next = state;
  if (row && frame.role === 'visitor' && frame.seq > row.visitorReadSeq) {
    next = { ...next, conversations: withEntry(next.conversations, row.id, { ...row, visitorReadSeq: frame.seq }) };
  } else if (row && frame.role === 'agent' && frame.seq > row.agentReadSeq) {
    next = { ...next, conversations: withEntry(next.conversations, row.id, { ...row, agentReadSeq: frame.seq }) };
  }
  const transcript = next.transcript;
  if (frame.role === 'visitor' && transcript?.conversation === frame.conversation) {
    if (frame.seq > transcript.visitorReadSeq)
      next = { ...next, transcript: { ...transcript, visitorReadSeq: frame.seq } };
  }
  return next;
}

function onError(state: ConsoleState, frame: Frame<'error'>): ConsoleState {
  const text =
    frame.retryAfterMs !== undefined
      ? `${frame.message} (try again in ${Math.ceil(frame.retryAfterMs / 1000)} s)`
      : frame.message;
  if (frame.id !== undefined) {
    const reply = state.pending.get(frame.id);
    if (reply) {
      const failed: PendingReply = { ...reply, status: 'failed', error: text };
      return { ...state, pending: withEntry(state.pending, reply.id, failed) };
    }
    const send = state.proactive.get(frame.id);
    if (send) {
      return { ...state, proactive: withEntry(state.proactive, send.id, { ...send, status: 'failed', error: text }) };
    }
  }
  // Refused heartbeats, typing and read receipts are not worth interrupting the agent for.
  if (frame.frame === 'ping' || frame.frame === 'typing' || frame.frame === 'read') return state;
  const transcript = state.transcript;
  if (transcript && frame.frame === 'history' && transcript.loadingOlder) {
    return { ...state, transcript: { ...transcript, loadingOlder: false }, notice: text };
  }
  if (transcript && frame.frame === 'open' && transcript.loading) {
    return { ...state, transcript: { ...transcript, loading: false, error: text } };
  }
  return { ...state, notice: text };
}

/**
 * Applies a batch of live-visitor changes: `reset` empties the list first, `items` add or replace visitors
 * (by id), `gone` remove them. Order is kept: new visitors go to the end.
 */
function onVisitors(state: ConsoleState, frame: Frame<'visitors'>): ConsoleState {
  const byId = new Map<string, LiveVisitor>();
  if (!frame.reset) for (const live of state.visitors) byId.set(live.visitor.id, live);
  for (const id of frame.gone) byId.delete(id);
  for (const live of frame.items) byId.set(live.visitor.id, live);
  return { ...state, visitors: [...byId.values()] };
}

/** Keeps the details of the open conversation's visitor; answers for anyone else are stale. */
function onDetails(state: ConsoleState, frame: Frame<'details'>): ConsoleState {
  const open = state.openId ? state.conversations.get(state.openId) : undefined;
  if (open && open.visitor.id !== frame.visitor.id) return state;
  return { ...state, details: frame };
}

/** Applies one server frame. */
function reduceFrame(state: ConsoleState, frame: AgentServerFrame, now: number): ConsoleState {
  switch (frame.type) {
    case 'welcome':
      return onWelcome(state, frame, now);
    case 'conversations':
      return { ...upsertConversations(state, frame.items), baselineLoaded: true };
    case 'conversation':
      return upsertConversations(state, [frame.item]);
    case 'transcript':
      return onTranscript(state, frame);
    case 'older':
      return onOlder(state, frame);
    case 'message':
      return onMessage(state, frame.message);
    case 'ack':
      return onAck(state, frame);
    case 'typing':
      return onTyping(state, frame);
    case 'read':
      return onRead(state, frame);
    case 'visitors':
      return onVisitors(state, frame);
    case 'details':
      return onDetails(state, frame);
    case 'presence':
      return { ...state, agents: frame.agents };
    case 'error':
      return onError(state, frame);
    case 'pong':
      return state;
  }
}

/** The console's pure reducer: same state and action in, same state out; no DOM, no clock, no I/O. */
export function consoleReducer(state: ConsoleState, action: ConsoleAction): ConsoleState {
  switch (action.type) {
    case 'signIn': {
      const { authError: _cleared, ...rest } = state;
      return { ...rest, auth: 'signing-in', connection: { kind: 'connecting' } };
    }
    case 'signOut': {
      const fresh = initialConsoleState();
      return action.error !== undefined ? { ...fresh, authError: action.error } : fresh;
    }
    case 'connection':
      return { ...state, connection: action.state };
    case 'frame':
      return reduceFrame(state, action.frame, action.now);
    case 'section':
      return state.section === action.section ? state : { ...state, section: action.section };
    case 'filter':
      return state.filter === action.filter ? state : { ...state, filter: action.filter };
    case 'open': {
      if (state.openId === action.conversation && state.transcript) return state;
      const transcript: Transcript = {
        conversation: action.conversation,
        messages: [],
        more: false,
        loading: true,
        loadingOlder: false,
        visitorReadSeq: state.conversations.get(action.conversation)?.visitorReadSeq ?? 0,
      };
      const { details, ...rest } = state;
      const visitor = state.conversations.get(action.conversation)?.visitor.id;
      return {
        ...rest,
        ...(details && details.visitor.id === visitor ? { details } : {}),
        openId: action.conversation,
        transcript,
      };
    }
    case 'olderRequested':
      return state.transcript ? { ...state, transcript: { ...state.transcript, loadingOlder: true } } : state;
    case 'replyQueued':
      return { ...state, pending: withEntry(state.pending, action.reply.id, action.reply) };
    case 'replyRetried': {
      const reply = state.pending.get(action.id);
      if (!reply) return state;
      const { error: _old, ...rest } = reply;
      return { ...state, pending: withEntry(state.pending, reply.id, { ...rest, status: 'sending' }) };
    }
    case 'replyFailed': {
      const reply = state.pending.get(action.id);
      if (!reply) return state;
      return {
        ...state,
        pending: withEntry(state.pending, reply.id, { ...reply, status: 'failed', error: action.error }),
      };
    }
    case 'replyDiscarded':
      return { ...state, pending: withoutEntry(state.pending, action.id) };
    case 'typingExpired': {
      const transcript = state.transcript;
      if (!transcript?.typing || transcript.conversation !== action.conversation) return state;
      const { typing: _expired, ...rest } = transcript;
      return { ...state, transcript: rest };
    }
    case 'presenceSet':
      return { ...state, myPresence: action.status };
    case 'proactiveQueued':
      return { ...state, proactive: withEntry(state.proactive, action.send.id, action.send) };
    case 'proactiveWritten':
    case 'proactiveFailed': {
      const send = state.proactive.get(action.id);
      if (!send || send.status !== 'sending') return state;
      const updated =
        action.type === 'proactiveWritten'
          ? { ...send, status: 'sent' as const }
          : { ...send, status: 'failed' as const, error: action.error };
      return { ...state, proactive: withEntry(state.proactive, send.id, updated) };
    }
    case 'statsRequested': {
      const { error: _old, ...stats } = state.stats;
      const days = stats.site === action.site ? stats.days : [];
      return { ...state, stats: { ...stats, site: action.site, status: 'loading', days } };
    }
    case 'statsLoaded':
      if (state.stats.site !== action.site) return state;
      return { ...state, stats: { site: action.site, status: 'loaded', days: action.days } };
    case 'statsFailed':
      if (state.stats.site !== action.site) return state;
      return { ...state, stats: { ...state.stats, status: 'error', error: action.error } };
    case 'notice': {
      if (action.text !== undefined) return { ...state, notice: action.text };
      const { notice: _dismissed, ...rest } = state;
      return rest;
    }
  }
}
