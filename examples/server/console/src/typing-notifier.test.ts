import { expect } from '@open-wc/testing';
import { TypingNotifier } from './typing-notifier.js';
import type { TypingClock } from './typing-notifier.js';

/** A manual clock: `advance` runs due timers in order. */
function fakeClock(): TypingClock & { advance(ms: number): void } {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = end;
    },
  };
}

describe('TypingNotifier', () => {
  it('sends at most one "on" per 3 s while typing, then "off" after 5 s idle', () => {
    const clock = fakeClock();
    const sent: string[] = [];
    const typing = new TypingNotifier((c, on) => sent.push(`${c}:${on ? 'on' : 'off'}`), clock);
    typing.input('c1');
    clock.advance(1000);
    typing.input('c1');
    clock.advance(1000);
    typing.input('c1');
    expect(sent).to.deep.equal(['c1:on']);
    clock.advance(1000);
    typing.input('c1');
    expect(sent).to.deep.equal(['c1:on', 'c1:on']);
    clock.advance(4999);
    expect(sent).to.have.length(2);
    clock.advance(1);
    expect(sent).to.deep.equal(['c1:on', 'c1:on', 'c1:off']);
  });

  it('sends "off" on send and when switching conversation, once', () => {
    const clock = fakeClock();
    const sent: string[] = [];
    const typing = new TypingNotifier((c, on) => sent.push(`${c}:${on ? 'on' : 'off'}`), clock);
    typing.input('c1');
    typing.stop();
    typing.stop();
    expect(sent).to.deep.equal(['c1:on', 'c1:off']);
    clock.advance(3000);
    typing.input('c1');
    clock.advance(3000);
    typing.input('c2');
    expect(sent).to.deep.equal(['c1:on', 'c1:off', 'c1:on', 'c1:off', 'c2:on']);
    clock.advance(10_000);
    expect(sent.at(-1)).to.equal('c2:off');
  });
});
