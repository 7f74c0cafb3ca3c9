import { expect } from '@open-wc/testing';
import { attachmentFilename } from './agent-api.js';

describe('attachmentFilename', () => {
  it('reads the plain filename and keeps it to safe characters', () => {
    expect(attachmentFilename('attachment; filename="parlor-c_1.csv"')).to.equal('parlor-c_1.csv');
    expect(attachmentFilename('attachment; filename=report.json')).to.equal('report.json');
    expect(attachmentFilename('attachment; filename="../../<x>.csv"')).to.equal('_..__x_.csv');
    expect(attachmentFilename("attachment; filename*=UTF-8''a.csv")).to.equal(null);
    expect(attachmentFilename(null)).to.equal(null);
  });
});
