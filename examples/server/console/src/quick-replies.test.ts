import { expect } from '@open-wc/testing';
import { parseQuickReplies } from './quick-replies.js';

describe('parseQuickReplies', () => {
  it('splits on commas, trims, drops empties and duplicates', () => {
    expect(parseQuickReplies(' Yes, No ,, yes,Yes ')).to.deep.equal({ ok: true, values: ['Yes', 'No', 'yes'] });
    expect(parseQuickReplies('')).to.deep.equal({ ok: true, values: [] });
  });

  it('refuses more than 10 or one over 80 characters', () => {
    expect(parseQuickReplies(Array.from({ length: 11 }, (_, i) => `r${i}`).join(',')).ok).to.equal(false);
    expect(parseQuickReplies('x'.repeat(81)).ok).to.equal(false);
    expect(parseQuickReplies('x'.repeat(80)).ok).to.equal(true);
  });
});
