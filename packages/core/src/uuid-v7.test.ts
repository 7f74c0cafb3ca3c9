import { expect } from '@open-wc/testing';
import { uuidv7 } from './uuid-v7.js';

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The 48-bit timestamp an id carries. */
const timeOf = (id: string): number => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('uuidv7', () => {
  it('is an RFC 9562 version 7, variant 10 UUID carrying the time it was made', () => {
    const id = uuidv7(1_700_000_000_123);
    expect(id).to.match(FORMAT);
    expect(timeOf(id)).to.equal(1_700_000_000_123);
  });

  it('makes 10,000 unique ids in a tight loop whose string order is the order they were made in', () => {
    const ids: string[] = [];
    for (let i = 0; i < 10_000; i++) ids.push(uuidv7());
    for (const id of ids) expect(id).to.match(FORMAT);
    expect(new Set(ids).size).to.equal(10_000);
    expect([...ids].sort()).to.deep.equal(ids);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).to.equal(true);
  });

  it('keeps increasing within one millisecond and when the clock steps back', () => {
    const now = Date.now() + 60_000; // later than anything earlier tests made
    const ids = [uuidv7(now), uuidv7(now), uuidv7(now), uuidv7(now - 5_000), uuidv7(now - 1)];
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).to.equal(true);
    expect(ids.map(timeOf)).to.deep.equal([now, now, now, now, now]);
    expect(timeOf(uuidv7(now + 1))).to.equal(now + 1);
  });

  it('does not repeat the random tail between ids', () => {
    const tails = new Set(Array.from({ length: 1000 }, () => uuidv7().slice(-8)));
    expect(tails.size).to.be.greaterThan(990);
  });
});
