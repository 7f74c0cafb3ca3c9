import { expect } from '@open-wc/testing';
import type { Message } from './protocol/index.js';
import { EMPTY_TIMELINE, acknowledge, mergeStored, timelineItems, unreadCount, upsertPending } from './timeline.js';

const C = 'c_AAAAAAAAAAAAAAAAAAAAAA';
const msg = (seq: number, role: Message['author']['role'] = 'agent', id = `m${seq}`): Message => ({
  conversation: C,
  seq,
  id,
  author: { role },
  body: { kind: 'text', text: `#${seq}` },
  at: seq,
});

describe('timeline', () => {
  it('keys stored messages by seq: repeats and reordering never duplicate or misorder', () => {
    let t = mergeStored(EMPTY_TIMELINE, [msg(2), msg(1)]).timeline;
    t = mergeStored(t, [msg(2), msg(3), msg(1)]).timeline;
    t = mergeStored(t, [msg(3)]).timeline;
    expect(t.stored.map((m) => m.seq)).to.deep.equal([1, 2, 3]);
  });

  it('reports only what is new, in seq order', () => {
    const first = mergeStored(EMPTY_TIMELINE, [msg(1)]);
    const next = mergeStored(first.timeline, [msg(3), msg(1), msg(2)]);
    expect(next.added.map((m) => m.seq)).to.deep.equal([2, 3]);
    expect(mergeStored(next.timeline, [msg(2)]).added).to.deep.equal([]);
  });

  it('detects a hole and says where to resume from', () => {
    const t = mergeStored(EMPTY_TIMELINE, [msg(1), msg(2)]).timeline;
    const result = mergeStored(t, [msg(5)]);
    expect(result.gapAfter).to.equal(2);
    const filled = mergeStored(result.timeline, [msg(3), msg(4)]);
    expect(filled.gapAfter).to.equal(undefined);
  });

  it('does not call a timeline that starts above 1 a gap (older history not loaded)', () => {
    expect(mergeStored(EMPTY_TIMELINE, [msg(40), msg(41)]).gapAfter).to.equal(undefined);
  });

  it('turns a pending send into the stored message on ack, once, even if the message also arrives', () => {
    const id = '0193a5f2-7c1e-7d3a-9b21-5f0e8c4a2b10';
    let t = upsertPending(EMPTY_TIMELINE, {
      kind: 'pending',
      id,
      body: { kind: 'text', text: 'hi' },
      createdAt: 1,
      state: 'sending',
    });
    expect(timelineItems(t).map((i) => i.kind)).to.deep.equal(['pending']);
    t = acknowledge(t, { id, conversation: C, seq: 7, at: 10 }).timeline;
    t = mergeStored(t, [msg(7, 'visitor', id)]).timeline;
    const items = timelineItems(t);
    expect(items.map((i) => [i.kind, i.id])).to.deep.equal([['stored', id]]);
  });

  it('drops a pending item when its id shows up stored (acked in another tab)', () => {
    const id = '0193a5f2-7c1e-7d3a-9b21-5f0e8c4a2b11';
    let t = upsertPending(EMPTY_TIMELINE, {
      kind: 'pending',
      id,
      body: { kind: 'text', text: 'x' },
      createdAt: 1,
      state: 'sending',
    });
    t = mergeStored(t, [msg(1, 'visitor', id)]).timeline;
    expect(t.pending).to.deep.equal([]);
    expect(
      upsertPending(t, { kind: 'pending', id, body: { kind: 'text', text: 'x' }, createdAt: 1, state: 'sending' }),
    ).to.equal(t);
  });

  it('orders pending items by client id (send order), after every stored message', () => {
    const a = '0193a5f2-7c1e-7d3a-9b21-5f0e8c4a2b01';
    const b = '0193a5f2-7c1e-7d3a-9b21-5f0e8c4a2b02';
    let t = mergeStored(EMPTY_TIMELINE, [msg(1)]).timeline;
    t = upsertPending(t, { kind: 'pending', id: b, body: { kind: 'text', text: 'b' }, createdAt: 2, state: 'sending' });
    t = upsertPending(t, { kind: 'pending', id: a, body: { kind: 'text', text: 'a' }, createdAt: 1, state: 'failed' });
    expect(timelineItems(t).map((i) => i.id)).to.deep.equal(['m1', a, b]);
  });

  it('counts unread messages from the other side only', () => {
    const stored = [msg(1, 'visitor'), msg(2, 'agent'), msg(3, 'bot'), msg(4, 'visitor'), msg(5, 'agent')];
    expect(unreadCount(stored, 0)).to.equal(3);
    expect(unreadCount(stored, 3)).to.equal(1);
    expect(unreadCount(stored, 5)).to.equal(0);
  });
});
