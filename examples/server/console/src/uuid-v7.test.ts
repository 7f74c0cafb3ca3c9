import { expect } from '@open-wc/testing';
import { clientIdSchema } from '@parlor/core/protocol';
import { uuidV7, uuidV7Time } from './uuid-v7.js';

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidV7', () => {
  it('has the UUIDv7 layout: version 7, variant 10xx, lower-case hex', () => {
    for (let i = 0; i < 200; i++) {
      const id = uuidV7();
      expect(id).to.match(FORMAT);
      expect(clientIdSchema.safeParse(id).success).to.equal(true);
    }
  });

  it('encodes the 48-bit millisecond timestamp', () => {
    const now = Date.UTC(2030, 0, 2, 3, 4, 5, 678);
    expect(uuidV7Time(uuidV7(now))).to.equal(now);
  });

  it('sorts in creation order, within one millisecond too', () => {
    const t = Date.now() + 10_000;
    const ids = [uuidV7(t), uuidV7(t), uuidV7(t), uuidV7(t + 1), uuidV7(t + 1), uuidV7(t + 50)];
    expect([...ids].sort()).to.deep.equal(ids);
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it('never goes backwards when the clock does', () => {
    const t = Date.now() + 20_000;
    const a = uuidV7(t);
    const b = uuidV7(t - 5000);
    expect(b > a).to.equal(true);
  });

  it('uses the random source for the rest of the bits', () => {
    const zeros = uuidV7(Date.now() + 30_000, (bytes) => bytes.fill(0));
    const ones = uuidV7(Date.now() + 30_001, (bytes) => bytes.fill(0xff));
    expect(zeros.slice(-12)).to.equal('000000000000');
    expect(ones.slice(-12)).to.equal('ffffffffffff');
    expect(ones[19]).to.equal('b');
    expect(zeros[19]).to.equal('8');
  });
});
