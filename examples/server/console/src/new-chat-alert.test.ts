import { expect } from '@open-wc/testing';
import { alertTitle } from './new-chat-alert.js';

describe('alertTitle', () => {
  it('badges the title with the count, or leaves it plain', () => {
    expect(alertTitle(3)).to.equal('(3) Parlor agent console');
    expect(alertTitle(0)).to.equal('Parlor agent console');
  });
});
