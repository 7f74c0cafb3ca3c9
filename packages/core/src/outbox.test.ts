import { expect } from '@open-wc/testing';
import { MAX_IN_FLIGHT, Outbox, REMEMBERED_DONE } from './outbox.js';
import type { OutboxEntry } from './storage/chat-store.js';
import { uuidv7 } from './uuid-v7.js';

const entry = (i: number): OutboxEntry => ({
  id: uuidv7(),
  body: { kind: 'text', text: `#${i}` },
  createdAt: i,
  state: 'pending',
});

describe('outbox', () => {
  // A rate that allows everything at once: only the window limits what goes out.
  const generous = { messagesPerSecond: 10_000, messageBurst: 10_000 };

  it('keeps at most MAX_IN_FLIGHT sends unanswered, and sends the next ones as answers come back', () => {
    const outbox = new Outbox(
      () => 0,
      () => {},
    );
    const entries = Array.from({ length: 300 }, (_, i) => entry(i));
    outbox.merge(entries);
    const sent: string[] = [];
    const send = (e: OutboxEntry) => (sent.push(e.id), true);
    outbox.flush(generous, send);
    expect(sent.length).to.equal(MAX_IN_FLIGHT);
    expect(MAX_IN_FLIGHT).to.be.below(200); // the server's queue of waiting frames per connection
    outbox.flush(generous, send);
    expect(sent.length, 'nothing more until an answer').to.equal(MAX_IN_FLIGHT);
    for (const id of sent.slice(0, 10)) outbox.take(id);
    outbox.flush(generous, send);
    expect(sent.length).to.equal(MAX_IN_FLIGHT + 10);
    outbox.fail(sent[10]!, { code: 'bad_frame', message: 'refused' });
    outbox.flush(generous, send);
    expect(sent.length, 'a refused one frees its place too').to.equal(MAX_IN_FLIGHT + 11);
    expect(sent, 'in send order, each once').to.deep.equal(entries.slice(0, MAX_IN_FLIGHT + 11).map((e) => e.id));
  });

  it('sends everything again on a new socket, still within the window', () => {
    const outbox = new Outbox(
      () => 0,
      () => {},
    );
    outbox.merge(Array.from({ length: 100 }, (_, i) => entry(i)));
    let sent = 0;
    outbox.flush(generous, () => (sent++, true));
    outbox.socketChanged();
    outbox.flush(generous, () => (sent++, true));
    expect(sent).to.equal(2 * MAX_IN_FLIGHT);
  });

  it('does not queue again a copy of an entry acked before the copy arrived (another tab, storage)', () => {
    const outbox = new Outbox(
      () => 0,
      () => {},
    );
    const [early, late, other] = [entry(1), entry(2), entry(3)];
    outbox.merge([early]);
    outbox.take(early.id); // acked
    outbox.take(late.id); // acked here before this tab got its copy
    expect(
      outbox.merge([early, late, other]).map((e) => e.id),
      'only the unacked one is added',
    ).to.deep.equal([other.id]);
    expect(outbox.entries.map((e) => e.id)).to.deep.equal([other.id]);
    // Memory stays bounded: the oldest ids are forgotten (a copy of one would only be deduped by the server).
    for (let i = 0; i < REMEMBERED_DONE; i++) outbox.take(entry(i).id);
    expect(outbox.isDone(late.id)).to.equal(false);
    outbox.clear();
    expect(outbox.merge([late]).length, 'a different person: nothing remembered').to.equal(1);
  });
});
