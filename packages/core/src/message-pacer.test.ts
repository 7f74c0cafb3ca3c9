import { expect } from '@open-wc/testing';
import { MessagePacer, type PaceLimits } from './message-pacer.js';

describe('message pacer', () => {
  const welcome = 1_733_655_950_000;
  const limits: PaceLimits = {
    messagesPerSecond: 2,
    messageBurst: 20,
    replayPerSecond: 100,
    replayBudget: 500,
    replayBefore: welcome,
  };
  /** How many of `ids` may go at `now` before the pacer asks to wait, and how long it asks. */
  const run = (pacer: MessagePacer, ids: string[], now: number, l: PaceLimits = limits) => {
    let sent = 0;
    for (const id of ids) {
      const wait = pacer.take(l, id, now);
      if (wait > 0) return { sent, wait };
      sent++;
    }
    return { sent, wait: 0 };
  };
  /** `n` client ids minted from `at` on, one per millisecond (the page's generator keeps state; this does not). */
  const written = (at: number, n: number) =>
    Array.from({ length: n }, (_, i) => {
      const hex = (at + i).toString(16).padStart(12, '0');
      return `${hex.slice(0, 8)}-${hex.slice(8)}-7000-8000-${String(i).padStart(12, '0')}`;
    });

  it('sends a backlog written before the welcome at the replay rate, never slower than the live one', () => {
    const pacer = new MessagePacer();
    const backlog = written(welcome - 60_000, 300);
    // The replay bucket (one second's worth), and the live burst on top of it.
    expect(run(pacer, backlog, welcome)).to.deep.equal({ sent: 120, wait: 10 });
    expect(run(pacer, backlog.slice(120), welcome + 1000).sent, 'one second later').to.equal(100 + 2);
  });

  it('paces messages written since the welcome to the sustained rate, as before', () => {
    const pacer = new MessagePacer();
    expect(run(pacer, written(welcome + 1, 60), welcome + 100)).to.deep.equal({ sent: 20, wait: 500 });
  });

  it('falls back to the sustained rate once the replay budget is spent', () => {
    const pacer = new MessagePacer();
    const small = { ...limits, replayBudget: 30 };
    expect(run(pacer, written(welcome - 60_000, 100), welcome, small).sent, 'budget, then the burst').to.equal(50);
  });

  it('has no replay lane when the server announces none', () => {
    const pacer = new MessagePacer();
    const none = { messagesPerSecond: 2, messageBurst: 20, replayBefore: welcome };
    expect(run(pacer, written(welcome - 60_000, 100), welcome, none).sent).to.equal(20);
  });
});
