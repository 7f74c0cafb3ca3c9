import type { ConversationSummary, Message } from '@parlor/core/protocol';
import type { ConsoleState, PendingReply } from './console-store.js';

/** One entry of the transcript log: a stored message or one of the agent's replies in flight. */
export type TranscriptEntry =
  | { kind: 'message'; key: string; message: Message; seen: boolean }
  | { kind: 'pending'; key: string; reply: PendingReply };

/** The rows of the current queue tab, newest activity first. */
export function visibleConversations(state: ConsoleState): ConversationSummary[] {
  return [...state.conversations.values()]
    .filter((c) => c.status === state.filter)
    .sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : 1));
}

/** How many rows each queue tab has (as far as the console has been told). */
export function statusCounts(state: ConsoleState): Record<ConversationSummary['status'], number> {
  const counts = { waiting: 0, open: 0, closed: 0 };
  for (const c of state.conversations.values()) counts[c.status]++;
  return counts;
}

/** Waiting conversations with unread visitor messages: the N of the title badge. */
export function waitingUnreadCount(state: ConsoleState): number {
  let n = 0;
  for (const c of state.conversations.values()) if (c.status === 'waiting' && c.unread > 0) n++;
  return n;
}

/**
 * Conversations that just entered Waiting, or got a new visitor message while waiting, between two states.
 * Nothing before the first list after a (re)connect has arrived, so a reconnect does not ring for old chats.
 */
export function newChatAlerts(previous: ConsoleState, next: ConsoleState): string[] {
  if (!previous.baselineLoaded || !next.baselineLoaded || previous.conversations === next.conversations) return [];
  const ids: string[] = [];
  for (const row of next.conversations.values()) {
    if (row.status !== 'waiting') continue;
    const before = previous.conversations.get(row.id);
    const entered = !before || before.status !== 'waiting';
    const newVisitorMessage =
      before !== undefined && row.lastSeq > before.lastSeq && row.lastMessage?.role === 'visitor';
    if (entered || newVisitorMessage) ids.push(row.id);
  }
  return ids;
}

/** The newest seq of the open transcript (0 when empty). */
export function newestSeq(state: ConsoleState): number {
  return state.transcript?.messages.at(-1)?.seq ?? 0;
}

/**
 * True when the open transcript lacks messages the server holds: a hole between two seqs, or a row whose
 * `lastSeq` is past the newest message. A message can be stored and never announced (its process died between
 * the two, and a retry of it is a duplicate, which is not broadcast): the console then asks for the page again.
 */
export function transcriptBehind(state: ConsoleState): boolean {
  const transcript = state.transcript;
  if (!transcript || transcript.loading || transcript.conversation !== state.openId) return false;
  const { messages } = transcript;
  if ((state.conversations.get(transcript.conversation)?.lastSeq ?? 0) > newestSeq(state)) return true;
  return messages.some((m, i) => i > 0 && m.seq !== (messages[i - 1]?.seq ?? 0) + 1);
}

/** The open conversation's row, if the console has it. */
export function openConversation(state: ConsoleState): ConversationSummary | undefined {
  return state.openId ? state.conversations.get(state.openId) : undefined;
}

/**
 * The open transcript as the log shows it: messages oldest first, "Seen" on the newest agent message the
 * visitor has read, then this agent's replies still in flight (oldest first).
 */
export function transcriptEntries(state: ConsoleState): TranscriptEntry[] {
  const transcript = state.transcript;
  if (!transcript) return [];
  let lastAgentSeq = 0;
  for (const m of transcript.messages) if (m.author.role === 'agent') lastAgentSeq = m.seq;
  const seenSeq = lastAgentSeq > 0 && transcript.visitorReadSeq >= lastAgentSeq ? lastAgentSeq : 0;
  const stored = new Set(transcript.messages.map((m) => m.id));
  const entries: TranscriptEntry[] = transcript.messages.map((message) => ({
    kind: 'message',
    key: `m${message.seq}`,
    message,
    seen: message.seq === seenSeq,
  }));
  const pending = [...state.pending.values()]
    .filter((r) => r.conversation === transcript.conversation && !stored.has(r.id))
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  for (const reply of pending) entries.push({ kind: 'pending', key: `p${reply.id}`, reply });
  return entries;
}
