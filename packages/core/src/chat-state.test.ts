import { expect } from '@open-wc/testing';
import { INITIAL_STATE, reduce, type ChatState } from './chat-state.js';
import type { ConversationState, Message } from './protocol/index.js';

const C = 'c_AAAAAAAAAAAAAAAAAAAAAA';
const conversation = (over: Partial<ConversationState> = {}): ConversationState => ({
  id: C,
  status: 'open',
  epoch: 1,
  lastSeq: 2,
  visitorReadSeq: 0,
  agentReadSeq: 0,
  ...over,
});
const msg = (seq: number, role: Message['author']['role']): Message => ({
  conversation: C,
  seq,
  id: `m${seq}`,
  author: { role },
  body: { kind: 'text', text: `#${seq}` },
  at: seq,
});

/** A visitor's message and the agent's reply, neither read by the visitor. */
function withReply(): ChatState {
  return reduce(INITIAL_STATE, {
    type: 'replace',
    conversation: conversation(),
    messages: [msg(1, 'visitor'), msg(2, 'agent')],
    hasOlder: false,
  });
}

describe('chat state', () => {
  it('keeps a read point when a description read before it arrives after it', () => {
    let state = withReply();
    expect(state.unread).to.equal(1);
    state = reduce(state, { type: 'read', role: 'visitor', seq: 2 });
    expect(state.unread).to.equal(0);
    // The server described the conversation before the read reached it: that must not unread the reply.
    state = reduce(state, { type: 'conversation', conversation: conversation({ status: 'closed' }) });
    expect(state.unread).to.equal(0);
    expect(state.conversation?.visitorReadSeq).to.equal(2);
    state = reduce(state, { type: 'read', role: 'agent', seq: 1 });
    state = reduce(state, { type: 'conversation', conversation: conversation() });
    expect(state.conversation?.agentReadSeq).to.equal(1);
  });

  it('takes a later read point from the server', () => {
    const state = reduce(withReply(), { type: 'conversation', conversation: conversation({ visitorReadSeq: 2 }) });
    expect(state.unread).to.equal(0);
  });

  it('starts afresh when the conversation is another one or was reset', () => {
    let state = reduce(withReply(), { type: 'read', role: 'visitor', seq: 2 });
    state = reduce(state, { type: 'conversation', conversation: conversation({ epoch: 2 }) });
    expect(state.conversation?.visitorReadSeq).to.equal(0);
  });
});
