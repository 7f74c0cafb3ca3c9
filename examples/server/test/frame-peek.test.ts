// The peek reads a frame's top-level `type` and `id` from its first characters only, the way a parser would:
// nothing inside a body, a string or an escaped key is taken for them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PEEK_CHARS, peekFrame } from '../src/frame-peek.js';

const ID = '0193a5f2-7c1e-7d3a-9b21-5f0e8c4a2b10';
const OTHER = '0193a5f2-7c1e-7d3a-9b21-000000000000';

describe('peekFrame', () => {
  it('finds type and id written first, whatever follows', () => {
    const frame = JSON.stringify({ type: 'send', id: ID, body: { kind: 'text', text: 'x'.repeat(60_000) } });
    assert.deepEqual(peekFrame(frame), { type: 'send', id: ID });
    assert.deepEqual(peekFrame(frame.slice(0, 80)), { type: 'send', id: ID }, 'a cut frame is enough');
  });

  it('skips nested values and strings, so an id inside the body is not the frame’s', () => {
    const text = `"id":"${OTHER}"`;
    const frame = JSON.stringify({
      type: 'send',
      body: { kind: 'text', text, id: OTHER },
      n: [1, { id: OTHER }],
      id: ID,
    });
    assert.deepEqual(peekFrame(frame), { type: 'send', id: ID });
    const without = JSON.stringify({ type: 'send', body: { kind: 'text', text, id: OTHER } });
    assert.deepEqual(peekFrame(without), { type: 'send' });
  });

  it('takes nothing written with escapes, nothing malformed, nothing past its window', () => {
    assert.deepEqual(peekFrame(`{"type":"send","\\u0069d":"${ID}"}`), { type: 'send' });
    assert.deepEqual(peekFrame(`{"type":"send","id":"${ID.toUpperCase()}"}`), { type: 'send', id: ID.toUpperCase() });
    assert.deepEqual(peekFrame(`{"type":"send","id":"not-a-uuid"}`), { type: 'send' });
    assert.deepEqual(peekFrame(`{"type":"send","id":"${ID}\\n"}`), { type: 'send' });
    assert.deepEqual(peekFrame(`{"type":"send","pad":"${'x'.repeat(PEEK_CHARS)}","id":"${ID}"}`), { type: 'send' });
    for (const junk of ['', '[]', 'null', '{', '{"type"', '{"type":', '{"type":"se', '{"a":1 "type":"send"}'])
      assert.equal(peekFrame(junk).id, undefined, junk);
  });

  it('keeps the first of duplicate keys (the server then refuses a frame whose parse disagrees)', () => {
    assert.deepEqual(peekFrame(`{"type":"send","id":"${ID}","id":"${OTHER}"}`), { type: 'send', id: ID });
  });
});
