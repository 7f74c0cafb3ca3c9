import { expect } from '@open-wc/testing';
import {
  CLOSE_CODES,
  DEFAULT_LIMITS,
  agentClientFrameSchema,
  clientFrameSchema,
  closeAction,
  limitsSchema,
  parseFrame,
  serverFrameSchema,
} from './index.js';

const ID = '0193a5f2-7c1e-7d3a-9b21-5f0e8c4a2b10';
const CONVERSATION = 'c_AAAAAAAAAAAAAAAAAAAAAA';
const parseClient = (frame: unknown) => parseFrame(clientFrameSchema, JSON.stringify(frame), 65536);

describe('protocol: parseFrame', () => {
  it('accepts a valid send and returns the typed frame', () => {
    const result = parseClient({ type: 'send', id: ID, body: { kind: 'text', text: 'hi' } });
    expect(result).to.deep.equal({ ok: true, frame: { type: 'send', id: ID, body: { kind: 'text', text: 'hi' } } });
  });

  it('refuses invalid JSON, unknown types and wrong field types as bad_frame, never throwing', () => {
    for (const text of ['{', 'null', '42', '[]', '{"type":"nope"}', '{"type":"send","id":"not-a-uuid","body":{}}']) {
      const result = parseFrame(clientFrameSchema, text, 65536);
      expect(result.ok, text).to.equal(false);
      if (!result.ok) expect(result.code, text).to.equal('bad_frame');
    }
  });

  it('names the offending frame type and field path', () => {
    const result = parseClient({ type: 'send', id: 'x', body: { kind: 'text', text: 'hi' } });
    expect(result.ok).to.equal(false);
    if (!result.ok) {
      expect(result.frame).to.equal('send');
      expect(result.message).to.contain('at id');
    }
  });

  it('refuses frames over the byte limit as too_large, counting UTF-8 bytes not characters', () => {
    const emoji = '😀'.repeat(200); // 400 UTF-16 units, 800 UTF-8 bytes
    const text = JSON.stringify({ type: 'send', id: ID, body: { kind: 'text', text: emoji } });
    expect(parseFrame(clientFrameSchema, text, 1000).ok).to.equal(true);
    const result = parseFrame(clientFrameSchema, text, 850);
    expect(result.ok).to.equal(false);
    if (!result.ok) expect(result.code).to.equal('too_large');
  });

  it('refuses deep nesting before validating it', () => {
    const deep = `${'{"a":'.repeat(50)}1${'}'.repeat(50)}`;
    const result = parseFrame(clientFrameSchema, deep, 65536);
    expect(result.ok).to.equal(false);
    if (!result.ok) expect(result.message).to.contain('deeper');
  });

  it('drops unknown keys, so __proto__ never reaches the caller or Object.prototype', () => {
    const result = parseFrame(clientFrameSchema, '{"type":"ping","__proto__":{"polluted":true},"extra":1}', 65536);
    expect(result.ok).to.equal(true);
    if (result.ok) expect(Object.keys(result.frame)).to.deep.equal(['type']);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it('requires UUIDv7 client ids and prefixed 128-bit server ids', () => {
    expect(
      parseClient({ type: 'send', id: '0193a5f2-7c1e-4d3a-9b21-5f0e8c4a2b10', body: { kind: 'text', text: 'v4' } }).ok,
    ).to.equal(false);
    expect(parseClient({ type: 'read', conversation: 'c_short', seq: 1 }).ok).to.equal(false);
    expect(parseClient({ type: 'read', conversation: CONVERSATION, seq: 1 }).ok).to.equal(true);
  });

  it('validates both directions and the agent protocol', () => {
    const welcome = {
      type: 'welcome',
      v: 1,
      visitor: { id: 'v_AAAAAAAAAAAAAAAAAAAAAA', mode: 'anonymous', token: 't' },
      session: { token: 's', expiresAt: 1 },
      conversation: null,
      limits: DEFAULT_LIMITS,
      serverTime: 1,
      site: { name: 'Shop', away: false, presence: 'online' },
    };
    expect(parseFrame(serverFrameSchema, JSON.stringify(welcome), 65536).ok).to.equal(true);
    expect(parseFrame(serverFrameSchema, JSON.stringify({ ...welcome, limits: {} }), 65536).ok).to.equal(false);
    const hello = { type: 'hello', v: 1, auth: { mode: 'agent', token: 'x' } };
    expect(parseFrame(agentClientFrameSchema, JSON.stringify(hello), 65536).ok).to.equal(true);
    expect(parseClient(hello).ok, 'agent auth is not a visitor auth mode').to.equal(false);
    expect(limitsSchema.safeParse(DEFAULT_LIMITS).success).to.equal(true);
  });
});

describe('protocol: closeAction', () => {
  it('stops on credential, origin, version and site refusals; refreshes on expiry; retries the rest', () => {
    expect(closeAction(CLOSE_CODES.unauthorized)).to.equal('stop');
    expect(closeAction(CLOSE_CODES.forbiddenOrigin)).to.equal('stop');
    expect(closeAction(CLOSE_CODES.unsupportedVersion)).to.equal('stop');
    expect(closeAction(CLOSE_CODES.unknownSite)).to.equal('stop');
    expect(closeAction(CLOSE_CODES.tokenExpired)).to.equal('refresh');
    for (const code of [1000, 1001, 1006, 1009, 1011, 1012, 1013, 4008, 4010, 4029, 4999])
      expect(closeAction(code), String(code)).to.equal('retry');
  });
});
