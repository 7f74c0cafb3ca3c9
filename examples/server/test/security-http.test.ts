/**
 * Security cases the other suites leave open: agent endpoints offered a visitor's credentials instead of an
 * agent token, the HTTP rate limits, oversized frames on the agent socket, and uploads whose bytes are markup
 * served so they cannot script the server's origin (no sniffing, a sandbox, a download for non-images, headers
 * that a file name cannot split).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AGENT_TOKEN,
  Client,
  ORIGIN,
  SECRET,
  agent,
  say,
  startTestServer,
  visitor,
  type TestServer,
} from './harness.js';

type ErrorFrame = { type: 'error'; code: string };

async function get(server: TestServer, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function uploadBytes(server: TestServer, token: string, mime: string, body: Buffer, name: string) {
  const res = await fetch(`${server.url}/v1/uploads`, {
    method: 'POST',
    headers: {
      origin: ORIGIN,
      authorization: `Bearer ${token}`,
      'content-type': mime,
      'x-parlor-filename': encodeURIComponent(name),
    },
    body,
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as { upload: string; name: string } };
}

describe('security: agent endpoints take only an agent token', () => {
  let server: TestServer;
  let conversation = '';
  let credentials: [string, string][] = [];
  before(async () => {
    server = await startTestServer();
    const v = await visitor(server);
    conversation = (await say(v.client, 'private words')).ack.conversation;
    credentials = [
      ['the visitor’s session token', v.welcome.session.token],
      ['the visitor’s resume token', v.welcome.visitor.token ?? ''],
      ['the site secret', SECRET],
      ['the agent token with one character changed', `${AGENT_TOKEN.slice(0, -1)}x`],
      ['a prefix of the agent token', AGENT_TOKEN.slice(0, 16)],
      ['the agent token twice', `${AGENT_TOKEN}${AGENT_TOKEN}`],
    ];
    v.client.close();
  });
  after(() => server.stop());

  it('answers 401 on the transcript and stats for any other credential, and ignores a token in the URL', async () => {
    const paths = [
      `/v1/agent/conversations/${conversation}/transcript.json`,
      `/v1/agent/conversations/${conversation}/transcript.csv`,
      '/v1/agent/stats?site=shop&days=7',
    ];
    for (const path of paths) {
      for (const [what, token] of credentials) {
        const res = await get(server, path, { authorization: `Bearer ${token}` });
        assert.equal(res.status, 401, `${path} with ${what}`);
        assert.ok(!res.text.includes('private words'), `${path} with ${what} leaked text`);
      }
      const inUrl = await get(server, `${path}${path.includes('?') ? '&' : '?'}token=${AGENT_TOKEN}`);
      assert.equal(inUrl.status, 401, `${path} with the token in the URL`);
      assert.equal((await get(server, path, { authorization: AGENT_TOKEN })).status, 401, 'no Bearer scheme');
    }
    // The control: the real token opens it.
    const ok = await get(server, paths[0] ?? '', { authorization: `Bearer ${AGENT_TOKEN}` });
    assert.equal(ok.status, 200);
  });

  it('closes the agent socket with 4001 for a visitor’s credentials', async () => {
    for (const [what, token] of credentials) {
      const client = new Client(`${server.wsUrl}/v1/agent`, `http://127.0.0.1:${server.port}`);
      await client.opened;
      client.send({ type: 'hello', v: 1, auth: { mode: 'agent', token } });
      const error = await client.next<ErrorFrame>('error');
      assert.equal(error.code, 'unauthorized', what);
      assert.equal((await client.closed).code, 4001, what);
      assert.equal(client.seen('welcome').length, 0, what);
    }
  });
});

describe('security: HTTP rate limits', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('answers 429 past the per-IP burst on uploads and analytics, then lets requests through again', async () => {
    const { client, welcome } = await visitor(server);
    const post = (path: string, body: string, headers: Record<string, string>) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { origin: ORIGIN, ...headers }, body });
    const statuses: number[] = [];
    const retryAfter: Record<string, string | null> = {};
    const retryAfterMs: Record<string, unknown> = {};
    for (let i = 0; i < 40; i++) {
      const res =
        i % 2 === 0
          ? await post('/v1/events', JSON.stringify({ site: 'shop', events: [{ name: 'open', at: Date.now() }] }), {
              'content-type': 'application/json',
            })
          : await post('/v1/uploads', 'hello', {
              'content-type': 'text/plain',
              authorization: `Bearer ${welcome.session.token}`,
            });
      const body = await res.text();
      if (res.status === 429) {
        const path = new URL(res.url).pathname;
        retryAfter[path] ??= res.headers.get('retry-after');
        retryAfterMs[path] ??= (JSON.parse(body) as { error: { retryAfterMs?: unknown } }).error.retryAfterMs;
      }
      statuses.push(res.status);
    }
    const limited = statuses.filter((s) => s === 429).length;
    assert.ok(limited >= 5, `at least 5 of 40 quick requests refused, got ${JSON.stringify(statuses)}`);
    assert.ok(
      statuses.slice(0, 20).every((s) => s !== 429),
      'the first 20 fit in the burst',
    );
    assert.match(retryAfter['/v1/uploads'] ?? '', /^[1-9]\d*$/, 'an upload refused for rate says when to retry');
    assert.match(retryAfter['/v1/events'] ?? '', /^[1-9]\d*$/, 'so do analytics refused for rate');
    // In the body too, for pages on another origin, which cannot read Retry-After.
    assert.equal(retryAfterMs['/v1/uploads'], Number(retryAfter['/v1/uploads']) * 1000);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const again = await post(
      '/v1/events',
      JSON.stringify({ site: 'shop', events: [{ name: 'open', at: Date.now() }] }),
      {
        'content-type': 'application/json',
      },
    );
    assert.equal(again.status, 204, 'the bucket refills');
    client.close();
  });
});

describe('security: oversized frames on the agent socket', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ limits: { maxFrameBytes: 4096 } });
  });
  after(() => server.stop());

  it('answers a frame over maxFrameBytes with too_large and keeps the socket; closes 1009 over the hard cap', async () => {
    const ada = await agent(server);
    ada.client.send(JSON.stringify({ type: 'list', pad: 'x'.repeat(5000) }));
    assert.equal((await ada.client.next<ErrorFrame>('error')).code, 'too_large');
    ada.client.send({ type: 'list' });
    await ada.client.next('conversations');
    ada.client.send('x'.repeat(1024 * 1024 + 1));
    assert.equal((await ada.client.closed).code, 1009);
  });
});

describe('security: uploads cannot script the server’s origin', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('serves markup uploaded as text as a sandboxed download, and markup labelled PNG unsniffed', async () => {
    const { client, welcome } = await visitor(server);
    const html = Buffer.from('<!doctype html><script>parent.postMessage(document.cookie, "*")</script>');
    const cases: [mime: string, name: string, disposition: RegExp, type: string][] = [
      ['text/plain', 'invoice.html', /^attachment;/, 'application/octet-stream'],
      ['text/plain', 'logo.svg', /^attachment;/, 'application/octet-stream'],
      ['image/png', 'photo.png', /^inline;/, 'image/png'],
      ['application/pdf', 'doc.pdf', /^attachment;/, 'application/octet-stream'],
    ];
    for (const [mime, name, disposition, type] of cases) {
      const up = await uploadBytes(server, welcome.session.token, mime, html, name);
      assert.equal(up.status, 201, `${mime} ${name}`);
      const res = await get(server, `/v1/uploads/${up.json.upload}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), type, `${mime} ${name}: served type`);
      assert.match(res.headers.get('content-disposition') ?? '', disposition, `${mime} ${name}`);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'; sandbox/);
    }
    client.close();
  });

  it('keeps a hostile file name out of the response headers; the stored name is the sent one on one line', async () => {
    const { client, welcome } = await visitor(server);
    const name = 'a"; filename=evil.html\r\nSet-Cookie: sid=1\r\n<img src=x onerror=alert(1)>.png';
    const up = await uploadBytes(server, welcome.session.token, 'image/png', Buffer.from([0x89, 0x50]), name);
    assert.equal(up.status, 201);
    // Text, shown as text: markup kept, line breaks (which have no place in a one-line name) made spaces.
    assert.equal(up.json.name, name.replace(/[\r\n]/g, ' '));
    const res = await get(server, `/v1/uploads/${up.json.upload}`);
    assert.equal(res.headers.get('set-cookie'), null);
    const disposition = res.headers.get('content-disposition') ?? '';
    assert.match(disposition, /^inline; filename\*=UTF-8''[^";\s]+$/, disposition);
    client.close();
  });
});
