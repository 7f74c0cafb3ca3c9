import { expect } from '@open-wc/testing';
import { claimLabel, formatMoney, formatRelative, visitorLabel } from './formatters.js';

describe('formatters', () => {
  it('formats minor units in the currency’s own decimals', () => {
    expect(formatMoney(12345, 'USD', 'en-US')).to.equal('$123.45');
    expect(formatMoney(500, 'JPY', 'en-US')).to.equal('¥500');
    expect(formatMoney(1000, 'KWD', 'en-US')).to.match(/1\.000$/);
  });

  it('says how long ago', () => {
    const now = Date.UTC(2030, 0, 1);
    expect(formatRelative(now - 10_000, now)).to.be.a('string').and.not.be.empty;
    expect(formatRelative(now - 5 * 60_000, now)).to.match(/5/);
    expect(formatRelative(now - 3 * 3_600_000, now)).to.match(/3/);
  });

  it('names a visitor by name, email, user id, or as anonymous', () => {
    const id = 'vis_0000000000000000000001';
    expect(visitorLabel({ id, mode: 'jwt', name: 'Ann', email: 'a@x.test' })).to.equal('Ann');
    expect(visitorLabel({ id, mode: 'identified', email: 'a@x.test', userId: 'u1' })).to.equal('a@x.test');
    expect(visitorLabel({ id, mode: 'identified', userId: 'u1' })).to.equal('u1');
    expect(visitorLabel({ id, mode: 'anonymous' })).to.equal('Anonymous visitor');
  });

  it('marks the name and email a user hash does not prove as unverified, and a signed JWT’s as they are', () => {
    expect(claimLabel('Email', { mode: 'identified' })).to.equal('Email (unverified)');
    expect(claimLabel('Name', { mode: 'jwt' })).to.equal('Name');
  });
});
