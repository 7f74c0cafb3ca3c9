import { expect } from '@open-wc/testing';
import { DEFAULT_LIMITS } from '@parlor/core/protocol';
import type { AgentServerFrame } from '@parlor/core/protocol';
import { consoleReducer, mergeMessages } from './console-reducer.js';
import {
  newChatAlerts,
  transcriptBehind,
  transcriptEntries,
  visibleConversations,
  waitingUnreadCount,
} from './console-selectors.js';
import { createConsoleStore, initialConsoleState } from './console-store.js';
import type { ConsoleAction, ConsoleState, PendingReply } from './console-store.js';
import { message, serverId, summary } from './test-fixtures.js';

const NOW = 1_700_000_100_000;
const frame = (f: AgentServerFrame): ConsoleAction => ({ type: 'frame', frame: f, now: NOW });
const run = (actions: ConsoleAction[], start: ConsoleState = initialConsoleState()) =>
  actions.reduce(consoleReducer, start);

const welcome = frame({
  type: 'welcome',
  v: 1,
  agent: { id: 'agent-1', name: 'Ada' },
  sites: ['demo', 'shop'],
  limits: { ...DEFAULT_LIMITS, attachmentTypes: [] },
  serverTime: NOW + 5000,
});
const C1 = serverId('conv', 1);
const C2 = serverId('conv', 2);

function signedIn(): ConsoleState {
  return run([{ type: 'signIn' }, welcome]);
}

function reply(id: string, conversation = C1): PendingReply {
  return { id, conversation, body: { kind: 'text', text: 'hi' }, createdAt: NOW, status: 'sending' };
}

describe('console store', () => {
  it('signs in on welcome: agent, sites, limits, clock offset, default stats site', () => {
    const s = signedIn();
    expect(s.auth).to.equal('signed-in');
    expect(s.agent).to.deep.equal({ id: 'agent-1', name: 'Ada' });
    expect(s.sites).to.deep.equal(['demo', 'shop']);
    expect(s.clockOffset).to.equal(5000);
    expect(s.stats.site).to.equal('demo');
    expect(s.connection).to.deep.equal({ kind: 'online' });
  });

  it('merges conversations and conversation updates, filters by status, newest activity first', () => {
    let s = run(
      [
        frame({
          type: 'conversations',
          items: [summary(1), summary(2, { updatedAt: NOW }), summary(3, { status: 'open' })],
        }),
      ],
      signedIn(),
    );
    expect(visibleConversations(s).map((c) => c.id)).to.deep.equal([C2, C1]);
    s = consoleReducer(s, frame({ type: 'conversation', item: summary(1, { updatedAt: NOW + 1, unread: 2 }) }));
    expect(visibleConversations(s).map((c) => c.id)).to.deep.equal([C1, C2]);
    expect(s.conversations.get(C1)?.unread).to.equal(2);
    s = consoleReducer(s, frame({ type: 'conversation', item: summary(2, { status: 'closed' }) }));
    expect(visibleConversations(s).map((c) => c.id)).to.deep.equal([C1]);
    s = consoleReducer(s, { type: 'filter', filter: 'open' });
    expect(visibleConversations(s).map((c) => c.id)).to.deep.equal([serverId('conv', 3)]);
  });

  it('counts waiting conversations with unread messages for the title badge', () => {
    const s = run(
      [
        frame({
          type: 'conversations',
          items: [summary(1, { unread: 3 }), summary(2), summary(3, { status: 'open', unread: 1 })],
        }),
      ],
      signedIn(),
    );
    expect(waitingUnreadCount(s)).to.equal(1);
  });

  it('alerts on a new waiting conversation or a new visitor message, but not on the first list', () => {
    const first = consoleReducer(signedIn(), frame({ type: 'conversations', items: [summary(1, { lastSeq: 1 })] }));
    expect(newChatAlerts(signedIn(), first)).to.deep.equal([]);
    const added = consoleReducer(first, frame({ type: 'conversation', item: summary(2) }));
    expect(newChatAlerts(first, added)).to.deep.equal([C2]);
    const lastMessage = { role: 'visitor' as const, preview: 'hello?', at: NOW };
    const newMessage = consoleReducer(
      added,
      frame({ type: 'conversation', item: summary(1, { lastSeq: 2, lastMessage }) }),
    );
    expect(newChatAlerts(added, newMessage)).to.deep.equal([C1]);
    const agentMessage = { role: 'agent' as const, preview: 'on it', at: NOW };
    const fromAgent = consoleReducer(
      newMessage,
      frame({ type: 'conversation', item: summary(1, { lastSeq: 3, lastMessage: agentMessage }) }),
    );
    expect(newChatAlerts(newMessage, fromAgent)).to.deep.equal([]);
  });

  it('orders the transcript by seq and dedupes by seq', () => {
    let s = run([{ type: 'open', conversation: C1 }], signedIn());
    expect(s.transcript?.loading).to.equal(true);
    s = consoleReducer(
      s,
      frame({
        type: 'transcript',
        item: summary(1, { lastSeq: 5 }),
        messages: [message(C1, 5), message(C1, 3), message(C1, 4)],
        more: true,
      }),
    );
    expect(s.transcript?.messages.map((m) => m.seq)).to.deep.equal([3, 4, 5]);
    expect(s.transcript?.more).to.equal(true);
    s = consoleReducer(s, frame({ type: 'message', message: message(C1, 6) }));
    s = consoleReducer(s, frame({ type: 'message', message: message(C1, 6) }));
    s = consoleReducer(s, frame({ type: 'message', message: message(C2, 7) }));
    expect(s.transcript?.messages.map((m) => m.seq)).to.deep.equal([3, 4, 5, 6]);
    s = consoleReducer(s, { type: 'olderRequested' });
    s = consoleReducer(
      s,
      frame({
        type: 'older',
        conversation: C1,
        messages: [message(C1, 1), message(C1, 2), message(C1, 3)],
        more: false,
      }),
    );
    expect(s.transcript?.messages.map((m) => m.seq)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(s.transcript?.more).to.equal(false);
    expect(s.transcript?.loadingOlder).to.equal(false);
  });

  it('sees when the open transcript is behind the server: a hole, or a row past its newest message', () => {
    let s = run([{ type: 'open', conversation: C1 }], signedIn());
    expect(transcriptBehind(s), 'loading').to.equal(false);
    s = consoleReducer(
      s,
      frame({
        type: 'transcript',
        item: summary(1, { lastSeq: 3 }),
        messages: [1, 2, 3].map((n) => message(C1, n)),
        more: false,
      }),
    );
    expect(transcriptBehind(s)).to.equal(false);
    // Seq 4 was stored by a process that died before announcing it; seq 5 arrives.
    s = consoleReducer(s, frame({ type: 'message', message: message(C1, 5) }));
    expect(transcriptBehind(s), 'a hole at 4').to.equal(true);
    s = consoleReducer(
      s,
      frame({
        type: 'transcript',
        item: summary(1, { lastSeq: 5 }),
        messages: [1, 2, 3, 4, 5].map((n) => message(C1, n)),
        more: false,
      }),
    );
    expect(transcriptBehind(s)).to.equal(false);
    // The last message was the one never announced: only the row says so.
    s = consoleReducer(s, frame({ type: 'conversation', item: summary(1, { lastSeq: 6 }) }));
    expect(transcriptBehind(s), 'the row is at 6').to.equal(true);
  });

  it('replaces, not merges, a transcript page that leaves a gap after a reconnect', () => {
    let s = run([{ type: 'open', conversation: C1 }], signedIn());
    const page = (seqs: number[], more: boolean) =>
      frame({
        type: 'transcript',
        item: summary(1, { lastSeq: Math.max(...seqs) }),
        messages: seqs.map((n) => message(C1, n)),
        more,
      });
    s = consoleReducer(s, page([1, 2], false));
    s = consoleReducer(s, page([2, 3], false));
    expect(s.transcript?.messages.map((m) => m.seq)).to.deep.equal([1, 2, 3]);
    s = consoleReducer(s, page([10, 11], true));
    expect(s.transcript?.messages.map((m) => m.seq)).to.deep.equal([10, 11]);
    expect(s.transcript?.more).to.equal(true);
  });

  it('ignores a transcript for a conversation that is no longer the open one', () => {
    let s = run(
      [
        { type: 'open', conversation: C1 },
        { type: 'open', conversation: C2 },
      ],
      signedIn(),
    );
    s = consoleReducer(s, frame({ type: 'transcript', item: summary(1), messages: [message(C1, 1)], more: false }));
    expect(s.transcript?.conversation).to.equal(C2);
    expect(s.transcript?.messages).to.deep.equal([]);
    expect(s.conversations.has(C1)).to.equal(true);
  });

  it('clears a pending reply on the ack with the same id and shows it at its seq', () => {
    let s = run([{ type: 'open', conversation: C1 }], signedIn());
    s = consoleReducer(
      s,
      frame({ type: 'transcript', item: summary(1, { lastSeq: 1 }), messages: [message(C1, 1)], more: false }),
    );
    const id = '01890a5d-ac96-774b-bcce-b302099a8057';
    s = consoleReducer(s, { type: 'replyQueued', reply: reply(id) });
    expect(transcriptEntries(s).map((e) => e.kind)).to.deep.equal(['message', 'pending']);
    s = consoleReducer(s, frame({ type: 'ack', id: 'someone-else', conversation: C1, seq: 9, at: NOW }));
    expect(s.pending.has(id)).to.equal(true);
    s = consoleReducer(s, frame({ type: 'ack', id, conversation: C1, seq: 2, at: NOW }));
    expect(s.pending.size).to.equal(0);
    const entries = transcriptEntries(s);
    expect(entries.map((e) => e.kind)).to.deep.equal(['message', 'message']);
    const stored = s.transcript?.messages[1];
    expect(stored?.id).to.equal(id);
    expect(stored?.author).to.deep.equal({ role: 'agent', name: 'Ada', id: 'agent-1' });
    // The server's copy of the same seq replaces the local one, without a duplicate.
    s = consoleReducer(
      s,
      frame({ type: 'message', message: message(C1, 2, { id, author: { role: 'agent', name: 'Ada' } }) }),
    );
    expect(s.transcript?.messages.map((m) => m.seq)).to.deep.equal([1, 2]);
  });

  it('marks a pending reply failed by an error frame carrying its id, and retries it', () => {
    const id = '01890a5d-ac96-774b-bcce-b302099a8058';
    let s = run([{ type: 'replyQueued', reply: reply(id) }], signedIn());
    s = consoleReducer(s, frame({ type: 'error', code: 'invalid_state', message: 'The conversation is closed', id }));
    expect(s.pending.get(id)).to.include({ status: 'failed', error: 'The conversation is closed' });
    expect(s.notice).to.equal(undefined);
    s = consoleReducer(s, { type: 'replyRetried', id });
    expect(s.pending.get(id)?.status).to.equal('sending');
    expect(s.pending.get(id)?.error).to.equal(undefined);
  });

  it('clears a pending reply when its message arrives before the ack', () => {
    const id = '01890a5d-ac96-774b-bcce-b302099a8059';
    let s = run(
      [
        { type: 'open', conversation: C1 },
        { type: 'replyQueued', reply: reply(id) },
      ],
      signedIn(),
    );
    s = consoleReducer(s, frame({ type: 'message', message: message(C1, 1, { id, author: { role: 'agent' } }) }));
    expect(s.pending.size).to.equal(0);
    expect(transcriptEntries(s).map((e) => e.kind)).to.deep.equal(['message']);
  });

  it('keeps pending replies across a reconnect so they can be re-sent with the same id', () => {
    const id = '01890a5d-ac96-774b-bcce-b302099a805a';
    const s = run(
      [{ type: 'replyQueued', reply: reply(id) }, { type: 'connection', state: { kind: 'connecting' } }, welcome],
      signedIn(),
    );
    expect(s.pending.get(id)?.status).to.equal('sending');
  });

  it('shows "Seen" on the newest agent message the visitor read', () => {
    let s = run([{ type: 'open', conversation: C1 }], signedIn());
    const agent = { author: { role: 'agent' as const, name: 'Ada' } };
    s = consoleReducer(
      s,
      frame({
        type: 'transcript',
        item: summary(1, { lastSeq: 3 }),
        messages: [message(C1, 1), message(C1, 2, agent), message(C1, 3, agent)],
        more: false,
      }),
    );
    const seen = () => transcriptEntries(s).flatMap((e) => (e.kind === 'message' && e.seen ? [e.message.seq] : []));
    expect(seen()).to.deep.equal([]);
    s = consoleReducer(s, frame({ type: 'read', conversation: C1, role: 'visitor', seq: 2 }));
    expect(seen()).to.deep.equal([]);
    s = consoleReducer(s, frame({ type: 'read', conversation: C1, role: 'visitor', seq: 3 }));
    expect(seen()).to.deep.equal([3]);
    s = consoleReducer(s, frame({ type: 'read', conversation: C1, role: 'visitor', seq: 1 }));
    expect(seen()).to.deep.equal([3]);
  });

  it('tracks the visitor typing in the open conversation only', () => {
    let s = run([{ type: 'open', conversation: C1 }], signedIn());
    s = consoleReducer(s, frame({ type: 'typing', conversation: C2, role: 'visitor', on: true }));
    expect(s.transcript?.typing).to.equal(undefined);
    s = consoleReducer(s, frame({ type: 'typing', conversation: C1, role: 'visitor', on: true }));
    expect(s.transcript?.typing).to.deep.equal({ role: 'visitor' });
    s = consoleReducer(s, frame({ type: 'message', message: message(C1, 1) }));
    expect(s.transcript?.typing).to.equal(undefined);
  });

  it('applies live visitor changes (reset, add, replace, gone) and agents, and keeps unrelated errors as a notice', () => {
    const live = (n: number, url?: string) => ({
      visitor: { id: serverId('vis', n), mode: 'anonymous' as const },
      site: 'demo',
      connectedAt: NOW + n,
      ...(url ? { page: { url } } : {}),
    });
    let s = consoleReducer(signedIn(), frame({ type: 'visitors', reset: true, items: [live(1), live(2)], gone: [] }));
    expect(s.visitors.map((v) => v.visitor.id)).to.deep.equal([serverId('vis', 1), serverId('vis', 2)]);
    s = consoleReducer(s, frame({ type: 'visitors', items: [live(3), live(1, 'https://a.test/')], gone: [] }));
    expect(s.visitors.map((v) => v.page?.url ?? v.visitor.id)).to.deep.equal([
      'https://a.test/',
      serverId('vis', 2),
      serverId('vis', 3),
    ]);
    s = consoleReducer(s, frame({ type: 'visitors', items: [], gone: [serverId('vis', 2)] }));
    expect(s.visitors).to.have.length(2);
    s = consoleReducer(s, frame({ type: 'visitors', reset: true, items: [live(4)], gone: [] }));
    expect(s.visitors.map((v) => v.visitor.id)).to.deep.equal([serverId('vis', 4)]);
    s = consoleReducer(s, frame({ type: 'presence', agents: [{ id: 'agent-2', name: 'Bo', status: 'away' }] }));
    expect(s.visitors).to.have.length(1);
    expect(s.agents).to.deep.equal([{ id: 'agent-2', name: 'Bo', status: 'away' }]);
    s = consoleReducer(s, frame({ type: 'error', code: 'rate_limited', message: 'Slow down', retryAfterMs: 1500 }));
    expect(s.notice).to.equal('Slow down (try again in 2 s)');
    s = consoleReducer(s, { type: 'notice' });
    expect(s.notice).to.equal(undefined);
  });

  it("keeps the open conversation's visitor details, drops answers for anyone else and on opening another", () => {
    const details = (n: number) =>
      frame({
        type: 'details',
        visitor: { id: serverId('vis', n), mode: 'anonymous' },
        site: 'demo',
        context: { cart: { currency: 'EUR', total: 100, itemCount: 1, items: [] } },
      });
    let s = consoleReducer(signedIn(), frame({ type: 'conversations', items: [summary(1), summary(2)] }));
    s = consoleReducer(s, { type: 'open', conversation: C1 });
    s = consoleReducer(s, details(2));
    expect(s.details).to.equal(undefined);
    s = consoleReducer(s, details(1));
    expect(s.details?.context?.cart?.total).to.equal(100);
    s = consoleReducer(s, { type: 'open', conversation: C2 });
    expect(s.details).to.equal(undefined);
  });

  it('resets on sign-out and keeps the reason', () => {
    const s = consoleReducer(signedIn(), { type: 'signOut', error: 'The token was refused' });
    expect(s.auth).to.equal('signed-out');
    expect(s.authError).to.equal('The token was refused');
    expect(s.agent).to.equal(undefined);
  });

  it('mergeMessages keeps one message per seq, the later copy winning', () => {
    const merged = mergeMessages([message(C1, 2), message(C1, 1)], [message(C1, 2, { id: 'new' })]);
    expect(merged.map((m) => [m.seq, m.id])).to.deep.equal([
      [1, `m-${C1}-1`],
      [2, 'new'],
    ]);
  });

  it('notifies subscribers only on change', () => {
    const store = createConsoleStore(consoleReducer);
    let calls = 0;
    const off = store.subscribe(() => calls++);
    store.dispatch({ type: 'section', section: 'conversations' });
    expect(calls).to.equal(0);
    store.dispatch({ type: 'section', section: 'analytics' });
    expect(calls).to.equal(1);
    expect(store.getSnapshot().section).to.equal('analytics');
    off();
    store.dispatch({ type: 'section', section: 'visitors' });
    expect(calls).to.equal(1);
  });
});
