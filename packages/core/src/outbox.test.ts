import { expect } from '@open-wc/testing';
import { MAX_IN_FLIGHT, Outbox } from './outbox.js';
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
});
