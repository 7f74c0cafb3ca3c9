import type { ConversationSummary, Message } from '@parlor/core/protocol';

/** A server id with the protocol's shape (prefix, underscore, 22+ base64url characters). */
export function serverId(prefix: string, n: number): string {
  return `${prefix}_${String(n).padStart(22, '0')}`;
}

/** A conversation row for tests. */
export function summary(n: number, patch: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id: serverId('conv', n),
    site: 'demo',
    status: 'waiting',
    visitor: { id: serverId('vis', n), mode: 'anonymous' },
    lastSeq: 0,
    agentReadSeq: 0,
    visitorReadSeq: 0,
    unread: 0,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000 + n,
    ...patch,
  };
}

/** A text message for tests. */
export function message(conversation: string, seq: number, patch: Partial<Message> = {}): Message {
  return {
    conversation,
    seq,
    id: `m-${conversation}-${seq}`,
    author: { role: 'visitor' },
    body: { kind: 'text', text: `message ${seq}` },
    at: 1_700_000_000_000 + seq * 1000,
    ...patch,
  };
}
