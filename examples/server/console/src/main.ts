import type { AgentClientFrame, AgentServerFrame } from '@parlor/core/protocol';
import { AgentApi } from './agent-api.js';
import { AgentConnection } from './agent-connection.js';
import type { ConsoleIntents } from './console-intents.js';
import { consoleReducer } from './console-reducer.js';
import { newChatAlerts, newestSeq, transcriptBehind, waitingUnreadCount } from './console-selectors.js';
import { createConsoleStore } from './console-store.js';
import type { ConsoleState, PendingReply } from './console-store.js';
import { ConsoleView } from './console-view.js';
import { NewChatAlert } from './new-chat-alert.js';
import { loadSessionToken, saveSessionToken } from './session-token.js';
import { TypingNotifier } from './typing-notifier.js';
import { uuidV7 } from './uuid-v7.js';

/** A typing indicator with no refresh for this long is dropped (the `off` may have been lost). */
const TYPING_STALE_MS = 10_000;
/** How long a transcript may look behind the server before the console asks for its page again. */
const CATCH_UP_MS = 500;

const AGENT_SOCKET_URL = `${location.origin.replace(/^http/, 'ws')}/v1/agent`;

const store = createConsoleStore(consoleReducer);
const newChat = new NewChatAlert();
let connection: AgentConnection | undefined;
let api: AgentApi | undefined;
const lastReadSent = new Map<string, number>();
let typingExpiry: ReturnType<typeof setTimeout> | undefined;

const state = (): ConsoleState => store.getSnapshot();

/** Sends a frame if the session is up; reports "offline" otherwise. */
function send(frame: AgentClientFrame): ReturnType<AgentConnection['send']> {
  return connection?.send(frame) ?? 'offline';
}

/** Sends a frame whose loss the agent should know about. */
function sendOrNotify(frame: AgentClientFrame): void {
  const result = send(frame);
  if (result === 'offline')
    store.dispatch({ type: 'notice', text: 'Not connected: try again when the console is back online.' });
  else if (result === 'too_large') store.dispatch({ type: 'notice', text: 'That is too large to send.' });
}

const typing = new TypingNotifier((conversation, on) => void send({ type: 'typing', conversation, on }));

function sendReply(reply: PendingReply): void {
  const result = send({
    type: 'send',
    id: reply.id,
    conversation: reply.conversation,
    body: reply.body,
    ...(reply.quickReplies ? { quickReplies: reply.quickReplies } : {}),
  });
  // Offline replies stay pending and go out again, with the same id, after the next `welcome`.
  if (result === 'too_large') store.dispatch({ type: 'replyFailed', id: reply.id, error: 'The reply is too large.' });
}

/** Re-subscribes after each `welcome`: lists, presence, the open conversation, unacknowledged replies. */
function afterWelcome(): void {
  const s = state();
  send({ type: 'list', status: 'waiting' });
  if (s.filter !== 'waiting') send({ type: 'list', status: s.filter });
  send({ type: 'presence', status: s.myPresence });
  if (s.openId) send({ type: 'open', conversation: s.openId });
  const unacked = [...s.pending.values()]
    .filter((r) => r.status === 'sending')
    .sort((a, b) => a.createdAt - b.createdAt);
  for (const reply of unacked) sendReply(reply);
  if (s.section === 'analytics' && s.stats.site !== undefined && s.stats.status !== 'loading') {
    intents.loadStats(s.stats.site);
  }
}

/**
 * Rows and live visitors are summaries: the open conversation's visitor's full context is asked for with
 * `details` when the conversation opens and again whenever the server says that visitor changed (a live
 * visitors change for them, or a row whose page moved). The server coalesces those changes, so this asks a
 * few times a second at most.
 */
function requestDetails(frame: AgentServerFrame, previous: ConsoleState): void {
  const s = state();
  const row = s.openId ? s.conversations.get(s.openId) : undefined;
  let visitor: string | undefined;
  if (frame.type === 'transcript' && frame.item.id === s.openId) visitor = frame.item.visitor.id;
  else if (frame.type === 'conversation' && row && frame.item.id === row.id) {
    const before = previous.conversations.get(row.id);
    if (JSON.stringify(before?.page) !== JSON.stringify(row.page)) visitor = row.visitor.id;
  } else if (frame.type === 'visitors' && row && frame.items.some((live) => live.visitor.id === row.visitor.id)) {
    visitor = row.visitor.id;
  }
  if (visitor) send({ type: 'details', visitor });
}

/**
 * Asks for the open conversation's newest page again when the transcript is behind the server (see
 * {@link transcriptBehind}). It waits a little first, since a row's refresh may come just before its message.
 */
let catchUp: ReturnType<typeof setTimeout> | undefined;
function catchUpIfBehind(): void {
  if (catchUp !== undefined || !transcriptBehind(state())) return;
  catchUp = setTimeout(() => {
    catchUp = undefined;
    const s = state();
    if (s.openId && s.connection.kind === 'online' && transcriptBehind(s))
      send({ type: 'open', conversation: s.openId });
  }, CATCH_UP_MS);
}

function onFrame(frame: AgentServerFrame): void {
  const previous = state();
  store.dispatch({ type: 'frame', frame, now: Date.now() });
  if (frame.type === 'welcome') afterWelcome();
  else requestDetails(frame, previous);
  catchUpIfBehind();
}

function startSession(token: string): void {
  connection?.stop();
  api = new AgentApi(token);
  connection = new AgentConnection(AGENT_SOCKET_URL, token, {
    frame: onFrame,
    state: (connectionState) => store.dispatch({ type: 'connection', state: connectionState }),
    stopped: (reason) => endSession(reason),
  });
  store.dispatch({ type: 'signIn' });
  connection.start();
}

function endSession(error?: string): void {
  typing.stop();
  const current = connection;
  connection = undefined;
  api = undefined;
  current?.stop();
  lastReadSent.clear();
  saveSessionToken(undefined);
  store.dispatch(error !== undefined ? { type: 'signOut', error } : { type: 'signOut' });
}

/** Marks the open conversation read when the agent can actually see it. */
function maybeSendRead(): void {
  const s = state();
  const id = s.openId;
  if (!id || !s.transcript || s.transcript.loading || s.connection.kind !== 'online') return;
  if (document.visibilityState !== 'visible' || !document.hasFocus() || !view.transcriptVisible) return;
  const seq = newestSeq(s);
  const already = Math.max(s.conversations.get(id)?.agentReadSeq ?? 0, lastReadSent.get(id) ?? 0);
  if (seq === 0 || seq <= already) return;
  if (send({ type: 'read', conversation: id, seq }) === 'sent') lastReadSent.set(id, seq);
}

const intents: ConsoleIntents = {
  signIn(token) {
    saveSessionToken(token);
    startSession(token);
  },
  signOut: () => endSession(),
  showSection(section) {
    const s = state();
    if (section !== 'conversations') typing.stop();
    store.dispatch({ type: 'section', section });
    if (section === 'analytics' && s.stats.status === 'idle' && s.stats.site !== undefined) {
      intents.loadStats(s.stats.site);
    }
  },
  setFilter(filter) {
    store.dispatch({ type: 'filter', filter });
    send({ type: 'list', status: filter });
  },
  openConversation(id) {
    const s = state();
    const fromElsewhere = s.section !== 'conversations';
    if (s.openId !== id) {
      typing.stop();
      if (s.openId) send({ type: 'leave', conversation: s.openId });
      store.dispatch({ type: 'open', conversation: id });
      send({ type: 'open', conversation: id });
    }
    store.dispatch({ type: 'section', section: 'conversations' });
    if (fromElsewhere) document.getElementById('conversation-heading')?.focus();
  },
  loadOlder() {
    const transcript = state().transcript;
    const oldest = transcript?.messages[0]?.seq;
    if (!transcript || !transcript.more || transcript.loadingOlder || oldest === undefined) return;
    if (send({ type: 'history', conversation: transcript.conversation, before: oldest }) === 'sent') {
      store.dispatch({ type: 'olderRequested' });
    } else {
      store.dispatch({ type: 'notice', text: 'Not connected: older messages load when the console is back online.' });
    }
  },
  sendReply(text, quickReplies) {
    const conversation = state().openId;
    if (!conversation) return;
    typing.stop();
    const reply: PendingReply = {
      id: uuidV7(),
      conversation,
      body: { kind: 'text', text },
      ...(quickReplies.length > 0 ? { quickReplies } : {}),
      createdAt: Date.now(),
      status: 'sending',
    };
    store.dispatch({ type: 'replyQueued', reply });
    sendReply(reply);
  },
  retryReply(id) {
    store.dispatch({ type: 'replyRetried', id });
    const reply = state().pending.get(id);
    if (reply) sendReply(reply);
  },
  discardReply: (id) => store.dispatch({ type: 'replyDiscarded', id }),
  typing() {
    const conversation = state().openId;
    if (conversation) typing.input(conversation);
  },
  setStatus(status) {
    const conversation = state().openId;
    if (conversation) sendOrNotify({ type: 'status', conversation, status });
  },
  async exportTranscript(format) {
    const conversation = state().openId;
    if (!conversation || !api) throw new Error('No conversation is open.');
    await api.exportTranscript(conversation, format);
  },
  setPresence(status) {
    store.dispatch({ type: 'presenceSet', status });
    send({ type: 'presence', status });
  },
  setSound(on) {
    newChat.soundEnabled = on;
  },
  sendProactive(visitor, text) {
    const id = uuidV7();
    store.dispatch({ type: 'proactiveQueued', send: { id, visitor, text, status: 'sending' } });
    const result = send({ type: 'proactive', id, visitor, text });
    if (result === 'sent') store.dispatch({ type: 'proactiveWritten', id });
    else store.dispatch({ type: 'proactiveFailed', id, error: result === 'offline' ? 'not connected' : 'too long' });
  },
  loadStats(site) {
    const client = api;
    if (!client) return;
    store.dispatch({ type: 'statsRequested', site });
    client.stats(site).then(
      (days) => store.dispatch({ type: 'statsLoaded', site, days }),
      (error: unknown) =>
        store.dispatch({ type: 'statsFailed', site, error: error instanceof Error ? error.message : String(error) }),
    );
  },
  dismissNotice: () => store.dispatch({ type: 'notice' }),
};

const root = document.getElementById('app');
if (!root) throw new Error('#app is missing from the page');
const view = new ConsoleView(root, intents, newChat.soundEnabled);

store.subscribe((next, previous) => {
  view.render(next);
  const alerts = newChatAlerts(previous, next);
  const unseen = alerts.some((id) => document.hidden || id !== next.openId || next.section !== 'conversations');
  if (unseen) newChat.alert();
  newChat.setCount(waitingUnreadCount(next));
  const typingNow = next.transcript?.typing;
  if (typingNow !== previous.transcript?.typing) {
    clearTimeout(typingExpiry);
    const conversation = next.transcript?.conversation;
    if (typingNow && conversation) {
      typingExpiry = setTimeout(() => store.dispatch({ type: 'typingExpired', conversation }), TYPING_STALE_MS);
    }
  }
  maybeSendRead();
});

window.addEventListener('focus', maybeSendRead);
document.addEventListener('visibilitychange', maybeSendRead);
window.addEventListener('online', () => connection?.retryNow());

view.render(state());
const saved = loadSessionToken();
if (saved) startSession(saved);
