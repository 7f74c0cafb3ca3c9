/**
 * Security cases against the real server: JWT and user-hash forgeries, Origin checks on every entry point,
 * agent site isolation over the socket and HTTP, upload hardening, author spoofing, analytics, and the
 * ack guarantee across a graceful shutdown.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { agentServerFrameSchema, parseFrame } from '@parlor/core/protocol';
import { SignJWT, type JWTPayload } from 'jose';
import { computeUserHash } from '../src/auth/index.js';
import { createSqliteStorage } from '../src/storage/sqlite-storage.js';
import {
  AGENT_TOKEN,
  Client,
  ORIGIN,
  OTHER_AGENT_TOKEN,
  OTHER_SECRET,
  SECRET,
  agent,
  jwtKey,
  say,
  startTestServer,
  uuidv7,
  visitor,
  type TestServer,
} from './harness.js';

type ErrorFrame = { type: 'error'; code: string; id?: string; frame?: string; retryAfterMs?: number };

const FOREIGN = 'https://evil.test';
const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
  0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89,
]);
const nowS = () => Math.floor(Date.now() / 1000);

interface JwtOptions {
  secret?: string;
  kid?: string;
  aud?: string;
  iat?: number;
  exp?: number;
}

/** An HS256 site JWT; valid for `shop` unless told otherwise. */
function siteJwt(claims: JWTPayload = {}, options: JwtOptions = {}): Promise<string> {
  const iat = options.iat ?? nowS();
  return new SignJWT({ name: 'Jo', ...claims })
    .setProtectedHeader({ alg: 'HS256', kid: options.kid ?? 'k1' })
    .setSubject('user-jwt-1')
    .setAudience(options.aud ?? 'shop')
    .setIssuedAt(iat)
    .setExpirationTime(options.exp ?? iat + 600)
    .sign(jwtKey(options.secret ?? SECRET));
}

/** Opens a raw visitor socket and sends `hello` with `auth` (and extra fields). */
async function helloWith(server: TestServer, auth: unknown, extra: Record<string, unknown> = {}, origin = ORIGIN) {
  const client = new Client(`${server.wsUrl}/v1/connect`, origin);
  await client.opened;
  client.send({ type: 'hello', v: 1, site: 'shop', auth, ...extra });
  return client;
}

/** The error frame and close code of a refused hello. */
async function refusal(client: Client): Promise<{ code: string; close: number }> {
  const error = await client.next<ErrorFrame>('error');
  const { code } = await client.closed;
  assert.equal(client.seen('welcome').length, 0, 'a refused hello gets no welcome');
  return { code: error.code, close: code };
}

async function http(
  server: TestServer,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: init.headers ?? {},
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function uploadFile(server: TestServer, token: string | null, mime: string, body: Buffer = PNG, name = 'pic.png') {
  return http(server, '/v1/uploads', {
    method: 'POST',
    headers: {
      origin: ORIGIN,
      'content-type': mime,
      'x-parlor-filename': encodeURIComponent(name),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body,
  });
}

/** Waits a little so that anything the server would still send has arrived. */
const settle = (ms = 100) => new Promise((resolve) => setTimeout(resolve, ms));

describe('security: credentials', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('refuses a JWT with alg none (4001)', async () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const iat = nowS();
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'admin', aud: 'shop', iat, exp: iat + 600 })}.`;
    const client = await helloWith(server, { mode: 'jwt', jwt: token });
    assert.deepEqual(await refusal(client), { code: 'unauthorized', close: 4001 });
  });

  it('refuses an expired JWT with token_expired and close 4002', async () => {
    const iat = nowS() - 7200;
    const client = await helloWith(server, { mode: 'jwt', jwt: await siteJwt({}, { iat, exp: iat + 3600 }) });
    assert.deepEqual(await refusal(client), { code: 'token_expired', close: 4002 });
  });

  it('refuses a JWT for another audience (4001)', async () => {
    const client = await helloWith(server, { mode: 'jwt', jwt: await siteJwt({}, { aud: 'members' }) });
    assert.deepEqual(await refusal(client), { code: 'unauthorized', close: 4001 });
  });

  it('refuses a JWT signed with the wrong key (4001)', async () => {
    const client = await helloWith(server, { mode: 'jwt', jwt: await siteJwt({}, { secret: OTHER_SECRET }) });
    assert.deepEqual(await refusal(client), { code: 'unauthorized', close: 4001 });
  });

  it('refuses a JWT issued far in the future (4001)', async () => {
    const iat = nowS() + 3600;
    const client = await helloWith(server, { mode: 'jwt', jwt: await siteJwt({}, { iat, exp: iat + 600 }) });
    assert.deepEqual(await refusal(client), { code: 'unauthorized', close: 4001 });
  });

  it('accepts a valid HS256 JWT signed with the site secret and kid k1', async () => {
    const client = await helloWith(server, { mode: 'jwt', jwt: await siteJwt({ email: 'jo@example.test' }) });
    const welcome = await client.next<{ visitor: { id: string; mode: string; userId: string; name: string } }>(
      'welcome',
    );
    assert.equal(welcome.visitor.mode, 'jwt');
    assert.equal(welcome.visitor.userId, 'user-jwt-1');
    assert.equal(welcome.visitor.name, 'Jo');
    const { ack } = await say(client, 'hello as jo');
    assert.equal((await server.hub.storage.getConversation(ack.conversation))?.visitorId, welcome.visitor.id);
    client.close();
  });

  it('refuses on members a user hash made with another site’s secret (4001), accepts the right one', async () => {
    const forged = await helloWith(
      server,
      { mode: 'identified', userId: 'mia', userHash: computeUserHash(SECRET, 'mia') },
      { site: 'members' },
    );
    assert.deepEqual(await refusal(forged), { code: 'unauthorized', close: 4001 });
    const good = await helloWith(
      server,
      { mode: 'identified', userId: 'mia', userHash: computeUserHash(OTHER_SECRET, 'mia') },
      { site: 'members' },
    );
    assert.equal((await good.next<{ visitor: { userId: string } }>('welcome')).visitor.userId, 'mia');
    good.close();
  });

  it('from an allowed Origin, gives nothing without a credential and closes 4001 on a forged one', async () => {
    const client = new Client(`${server.wsUrl}/v1/connect`, ORIGIN);
    await client.opened;
    client.send({ type: 'hello', v: 1, site: 'members' });
    const missing = await client.next<ErrorFrame>('error');
    assert.deepEqual([missing.code, missing.frame], ['bad_frame', 'hello']);
    client.send({ type: 'send', id: uuidv7(), body: { kind: 'text', text: 'let me in' } });
    assert.equal((await client.next<ErrorFrame>('error')).code, 'not_ready', 'still no session');
    const randomHash = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
    client.send({
      type: 'hello',
      v: 1,
      site: 'members',
      auth: { mode: 'identified', userId: 'u1', userHash: randomHash },
    });
    assert.deepEqual(await refusal(client), { code: 'unauthorized', close: 4001 });
  });
});

describe('security: origins', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('refuses the visitor upgrade (403) from look-alike, missing and opaque Origins', async () => {
    for (const origin of [
      'http://shop.test.evil.test',
      'https://shop.test',
      'http://shop.test:8080',
      'https://shop.test.evil',
      'https://evilshop.test',
      'null',
      'http://shop.test/',
      null,
    ]) {
      const client = new Client(`${server.wsUrl}/v1/connect`, origin);
      await assert.rejects(client.opened, /403/, String(origin));
    }
  });

  it('refuses CORS preflights from a foreign Origin (403) and answers an allowed one (204)', async () => {
    for (const path of ['/v1/uploads', '/v1/events']) {
      const foreign = await http(server, path, {
        method: 'OPTIONS',
        headers: { origin: FOREIGN, 'access-control-request-method': 'POST' },
      });
      assert.equal(foreign.status, 403, path);
      assert.equal(foreign.headers.get('access-control-allow-origin'), null, path);
      const allowed = await http(server, path, {
        method: 'OPTIONS',
        headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
      });
      assert.equal(allowed.status, 204, path);
      assert.equal(allowed.headers.get('access-control-allow-origin'), ORIGIN, path);
    }
  });

  it('refuses an agent socket from a foreign Origin, a site’s Origin or none (403)', async () => {
    for (const origin of [FOREIGN, ORIGIN, null]) {
      const client = new Client(`${server.wsUrl}/v1/agent`, origin);
      await assert.rejects(client.opened, /403/, String(origin));
    }
  });

  it('closes an agent socket with a wrong token (4001)', async () => {
    const client = new Client(`${server.wsUrl}/v1/agent`, `http://127.0.0.1:${server.port}`);
    await client.opened;
    client.send({ type: 'hello', v: 1, auth: { mode: 'agent', token: `${AGENT_TOKEN}x` } });
    assert.deepEqual(await refusal(client), { code: 'unauthorized', close: 4001 });
  });
});

describe('security: agents stay within their sites', () => {
  let server: TestServer;
  let conversation = '';
  let visitorId = '';
  const SECRET_TEXT = 'my card ends in 4242';
  before(async () => {
    server = await startTestServer();
    const shop = await visitor(server);
    visitorId = shop.welcome.visitor.id;
    conversation = (await say(shop.client, SECRET_TEXT)).ack.conversation;
    for (const text of ['=HYPERLINK("x")', '+1+1', '-2', '@SUM(A1)', 'plain "quoted" text'])
      await say(shop.client, text, { conversation });
    shop.client.close();
  });
  after(() => server.stop());

  it('Bo (members only) cannot open, write, read, type in, close or list a shop conversation', async () => {
    const before = await server.hub.storage.allMessages(conversation);
    const bo = await agent(server, OTHER_AGENT_TOKEN);
    assert.deepEqual((bo.welcome as { sites?: string[] }).sites, ['members']);
    const id = uuidv7();
    const probes: [Record<string, unknown>, string][] = [
      [{ type: 'open', conversation }, 'open'],
      [{ type: 'send', id, conversation, body: { kind: 'text', text: 'from bo' } }, 'send'],
      [{ type: 'history', conversation, before: 100 }, 'history'],
      [{ type: 'typing', conversation, on: true }, 'typing'],
      [{ type: 'read', conversation, seq: 3 }, 'read'],
      [{ type: 'status', conversation, status: 'closed' }, 'status'],
      [{ type: 'proactive', id: uuidv7(), visitor: visitorId, text: 'hi from bo' }, 'proactive'],
    ];
    for (const [frame, what] of probes) {
      bo.client.send(frame);
      assert.equal((await bo.client.next<ErrorFrame>('error')).code, 'forbidden', what);
    }
    bo.client.send({ type: 'list' });
    const all = await bo.client.next<{ items: { id: string; site: string }[] }>('conversations');
    assert.deepEqual(
      all.items.filter((c) => c.site !== 'members'),
      [],
    );
    bo.client.send({ type: 'list', site: 'shop' });
    assert.deepEqual((await bo.client.next<{ items: unknown[] }>('conversations')).items, []);
    await settle();
    const leaked = JSON.stringify(bo.client.frames);
    assert.ok(!leaked.includes(conversation) && !leaked.includes(SECRET_TEXT), 'nothing of the shop reached Bo');
    assert.deepEqual(await server.hub.storage.allMessages(conversation), before, 'nothing was written');
    assert.equal((await server.hub.storage.getConversation(conversation))?.status, 'open');
    bo.client.close();
  });

  it('transcript over HTTP: 401 without a token, 403 for Bo without any text', async () => {
    const path = `/v1/agent/conversations/${conversation}/transcript.json`;
    const anonymous = await http(server, path);
    assert.equal(anonymous.status, 401);
    const wrong = await http(server, path, { headers: { authorization: `Bearer ${AGENT_TOKEN}-forged` } });
    assert.equal(wrong.status, 401);
    for (const format of ['json', 'csv']) {
      const bo = await http(server, `/v1/agent/conversations/${conversation}/transcript.${format}`, {
        headers: { authorization: `Bearer ${OTHER_AGENT_TOKEN}` },
      });
      assert.equal(bo.status, 403, format);
      assert.ok(!bo.text.includes(SECRET_TEXT) && !bo.text.includes('HYPERLINK'), bo.text);
    }
  });

  it('transcript over HTTP: Ada gets the JSON messages and a CSV with formulas defused', async () => {
    const auth = { authorization: `Bearer ${AGENT_TOKEN}` };
    const json = await http(server, `/v1/agent/conversations/${conversation}/transcript.json`, { headers: auth });
    assert.equal(json.status, 200);
    const body = JSON.parse(json.text) as { messages: { seq: number; role: string; body: { text?: string } }[] };
    const visitorTexts = body.messages.filter((m) => m.role === 'visitor').map((m) => m.body.text);
    assert.deepEqual(visitorTexts, [SECRET_TEXT, '=HYPERLINK("x")', '+1+1', '-2', '@SUM(A1)', 'plain "quoted" text']);

    const csv = await http(server, `/v1/agent/conversations/${conversation}/transcript.csv`, { headers: auth });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = csv.text.split('\r\n');
    assert.equal(lines[0], '"seq","at","role","author","text"');
    const lastCells = lines.filter(Boolean).map((line) => line.slice(line.lastIndexOf(',"') + 1));
    for (const cell of [
      `"'=HYPERLINK(""x"")"`,
      `"'+1+1"`,
      `"'-2"`,
      `"'@SUM(A1)"`,
      `"plain ""quoted"" text"`,
      `"${SECRET_TEXT}"`,
    ])
      assert.ok(lastCells.includes(cell), `${cell} in ${JSON.stringify(lastCells)}`);
    assert.ok(!/(^|,)"[=+\-@]/.test(csv.text.split('\r\n').slice(1).join('\n')), 'no cell starts with a formula');
  });

  it('stats over HTTP: 401 without a valid token, 403 for a site not the agent’s, 200 for Ada', async () => {
    assert.equal((await http(server, '/v1/agent/stats?site=shop&days=7')).status, 401);
    const forged = await http(server, '/v1/agent/stats?site=shop&days=7', {
      headers: { authorization: 'Bearer nope' },
    });
    assert.equal(forged.status, 401);
    const bo = await http(server, '/v1/agent/stats?site=shop&days=7', {
      headers: { authorization: `Bearer ${OTHER_AGENT_TOKEN}` },
    });
    assert.equal(bo.status, 403);
    const ada = await http(server, '/v1/agent/stats?site=shop&days=7', {
      headers: { authorization: `Bearer ${AGENT_TOKEN}` },
    });
    assert.equal(ada.status, 200);
    const stats = JSON.parse(ada.text) as { site: string; days: unknown };
    assert.equal(stats.site, 'shop');
    assert.ok(Array.isArray(stats.days));
  });

  it('stores an agent client id sent three times once', async () => {
    const ada = await agent(server);
    const id = uuidv7();
    const frame = { type: 'send', id, conversation, body: { kind: 'text', text: 'agent says once' } };
    ada.client.send(frame);
    ada.client.send(frame);
    ada.client.send(frame);
    const acks = [
      await ada.client.next<{ seq: number; duplicate?: boolean }>('ack'),
      await ada.client.next<{ seq: number; duplicate?: boolean }>('ack'),
      await ada.client.next<{ seq: number; duplicate?: boolean }>('ack'),
    ];
    assert.equal(new Set(acks.map((a) => a.seq)).size, 1, 'one seq for all three');
    assert.deepEqual(
      acks.map((a) => a.duplicate === true),
      [false, true, true],
    );
    const rows = await server.hub.storage.allMessages(conversation);
    assert.equal(rows.filter((m) => m.clientId === id).length, 1);
    ada.client.close();
  });
});

describe('security: uploads and authorship', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('refuses an upload without a session token, or with a resume token instead (401)', async () => {
    assert.equal((await uploadFile(server, null, 'image/png')).status, 401);
    const { client, welcome } = await visitor(server);
    assert.ok(welcome.visitor.token);
    assert.equal((await uploadFile(server, welcome.visitor.token, 'image/png')).status, 401, 'wrong token kind');
    assert.equal((await uploadFile(server, `${welcome.session.token}x`, 'image/png')).status, 401, 'tampered');
    client.close();
  });

  it('refuses an upload from a foreign Origin even with a valid session token (403)', async () => {
    const { client, welcome } = await visitor(server);
    const res = await http(server, '/v1/uploads', {
      method: 'POST',
      headers: { origin: FOREIGN, authorization: `Bearer ${welcome.session.token}`, 'content-type': 'image/png' },
      body: PNG,
    });
    assert.equal(res.status, 403);
    assert.equal((JSON.parse(res.text) as { error: { code: string } }).error.code, 'forbidden_origin');
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    client.close();
  });

  it('stores a PNG for a session token and serves it inline, sandboxed and nosniff', async () => {
    const { client, welcome } = await visitor(server);
    const res = await uploadFile(server, welcome.session.token, 'image/png');
    assert.equal(res.status, 201);
    const created = JSON.parse(res.text) as { upload: string; mime: string; size: number; name: string };
    assert.match(created.upload, /^u_[A-Za-z0-9_-]{22}$/);
    assert.deepEqual([created.mime, created.size, created.name], ['image/png', PNG.length, 'pic.png']);
    const got = await fetch(`${server.url}/v1/uploads/${created.upload}`);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
    assert.match(got.headers.get('content-security-policy') ?? '', /(^|;\s*)sandbox(;|$)/);
    assert.match(got.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(got.headers.get('content-disposition') ?? '', /^inline/);
    assert.equal(got.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), PNG);
    assert.equal((await fetch(`${server.url}/v1/uploads/u_${'A'.repeat(22)}`)).status, 404);
    client.close();
  });

  it('refuses text/html and image/svg+xml uploads (415)', async () => {
    const { client, welcome } = await visitor(server);
    const html = Buffer.from('<script>alert(document.domain)</script>');
    assert.equal((await uploadFile(server, welcome.session.token, 'text/html', html, 'x.html')).status, 415);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');
    assert.equal((await uploadFile(server, welcome.session.token, 'image/svg+xml', svg, 'x.svg')).status, 415);
    client.close();
  });

  it('refuses an upload over maxAttachmentBytes (413), declared or streamed, and keeps no file', async () => {
    const small = await startTestServer({ limits: { maxAttachmentBytes: 1024 } });
    try {
      const { client, welcome } = await visitor(small);
      const big = Buffer.alloc(4096, 7);
      const declared = await uploadFile(small, welcome.session.token, 'image/png', big);
      assert.equal(declared.status, 413);
      assert.equal((JSON.parse(declared.text) as { error: { code: string } }).error.code, 'too_large');
      const streamed = await new Promise<number>((resolve, reject) => {
        const req = request(`${small.url}/v1/uploads`, {
          method: 'POST',
          headers: { authorization: `Bearer ${welcome.session.token}`, 'content-type': 'image/png' },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.write(Buffer.alloc(800, 1));
        req.write(Buffer.alloc(800, 2));
        req.end();
      });
      assert.equal(streamed, 413);
      const ok = await uploadFile(small, welcome.session.token, 'image/png', Buffer.alloc(1024, 3));
      assert.equal(ok.status, 201, 'exactly the limit is fine');
      assert.equal(readdirSync(join(small.dataDir, 'uploads')).length, 1, 'no partial file kept');
      client.close();
    } finally {
      await small.stop();
    }
  });

  it('refuses a send that attaches another visitor’s upload (forbidden), and trusts only the real file', async () => {
    const owner = await visitor(server);
    const uploaded = JSON.parse((await uploadFile(server, owner.welcome.session.token, 'image/png')).text) as {
      upload: string;
    };
    const thief = await visitor(server);
    const id = uuidv7();
    const body = { kind: 'attachment', upload: uploaded.upload, name: 'x.png', mime: 'image/png', size: PNG.length };
    thief.client.send({ type: 'send', id, body });
    const error = await thief.client.next<ErrorFrame>('error');
    assert.deepEqual([error.code, error.id], ['forbidden', id]);
    assert.equal(thief.client.seen('ack').length, 0);
    // The owner may send it; name, type and size come from the stored upload, not from the frame.
    const { ack } = await say(owner.client, '', {
      body: { ...body, name: 'evil.html', mime: 'text/html', size: 1, url: 'https://evil.test/x' },
    });
    const [row] = await server.hub.storage.messagesAfter(ack.conversation, 0, 1);
    assert.deepEqual(row?.body, {
      kind: 'attachment',
      upload: uploaded.upload,
      name: 'pic.png',
      mime: 'image/png',
      size: PNG.length,
    });
    owner.client.close();
    thief.client.close();
  });

  it('keeps an upload name cut inside a surrogate pair valid in every frame that carries it', async () => {
    const owner = await visitor(server);
    const name = `${'a'.repeat(254)}\u{1F600}.png`; // the 255-unit cut falls inside the emoji
    const res = await uploadFile(server, owner.welcome.session.token, 'image/png', PNG, name);
    assert.equal(res.status, 201);
    const { upload } = JSON.parse(res.text) as { upload: string };
    const { ack } = await say(owner.client, '', {
      body: { kind: 'attachment', upload, name: 'x.png', mime: 'image/png', size: PNG.length },
    });
    const ada = await agent(server);
    ada.client.send({ type: 'open', conversation: ack.conversation });
    const transcript = await ada.client.next('transcript');
    const checked = parseFrame(agentServerFrameSchema, JSON.stringify(transcript), 1 << 24);
    assert.equal(checked.ok, true, checked.ok ? '' : checked.message);
    owner.client.close();
    ada.client.close();
  });

  it('refuses an agent attachment caption over maxTextLength with too_large, like a visitor’s', async () => {
    const owner = await visitor(server);
    const { upload } = JSON.parse((await uploadFile(server, owner.welcome.session.token, 'image/png')).text) as {
      upload: string;
    };
    const { ack } = await say(owner.client, 'please look at this');
    const ada = await agent(server);
    const id = uuidv7();
    const caption = 'c'.repeat(4001);
    const body = { kind: 'attachment', upload, name: 'pic.png', mime: 'image/png', size: PNG.length, caption };
    owner.client.send({ type: 'send', id: uuidv7(), conversation: ack.conversation, body });
    assert.equal((await owner.client.next<ErrorFrame>('error')).code, 'too_large', 'the visitor limit');
    ada.client.send({ type: 'send', id, conversation: ack.conversation, body });
    const answer = await ada.client.next<{ type: string; code?: string }>(['ack', 'error']);
    assert.deepEqual([answer.type, answer.code], ['error', 'too_large']);
    const rows = await server.hub.storage.allMessages(ack.conversation);
    assert.equal(rows.filter((m) => m.clientId === id).length, 0, 'nothing stored');
    owner.client.close();
    ada.client.close();
  });

  it('stores a visitor’s message as the visitor, whatever author fields the send frame adds', async () => {
    const ada = await agent(server);
    const v = await visitor(server);
    const spoof = {
      author: { role: 'agent', name: 'Ada', id: 'ada' },
      role: 'agent',
      authorId: 'ada',
      authorName: 'Ada',
      proactive: true,
      quickReplies: ['Yes'],
      seq: 1,
    };
    const { ack } = await say(v.client, 'I am totally Ada', spoof);
    await v.client.next('message'); // the bot greeting, stored before Ada opens the conversation
    ada.client.send({ type: 'open', conversation: ack.conversation });
    await ada.client.next('transcript');
    await say(v.client, 'me again', { ...spoof, conversation: ack.conversation });
    const live = await ada.client.next<{ message: { author: { role: string; name?: string; id?: string } } }>(
      'message',
    );
    assert.deepEqual(live.message.author, { role: 'visitor' });
    const rows = (await server.hub.storage.allMessages(ack.conversation)).filter((m) => m.role !== 'bot');
    assert.deepEqual(
      rows.map((m) => [m.role, m.authorId, m.authorName, m.quickReplies, m.proactive]),
      [
        ['visitor', v.welcome.visitor.id, null, null, false],
        ['visitor', v.welcome.visitor.id, null, null, false],
      ],
    );
    ada.client.close();
    v.client.close();
  });
});

describe('security: analytics', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  const post = (origin: string | null, body: string) =>
    http(server, '/v1/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
      body,
    });
  const counts = async () => {
    const res = await http(server, '/v1/agent/stats?site=shop&days=7', {
      headers: { authorization: `Bearer ${AGENT_TOKEN}` },
    });
    return (JSON.parse(res.text) as { days: { day: string; name: string; count: number }[] }).days;
  };

  it('counts events from an allowed Origin, refuses a foreign or missing one (403) and a big body (413)', async () => {
    const at = Date.now();
    const day = new Date(at).toISOString().slice(0, 10);
    const batch = JSON.stringify({
      site: 'shop',
      events: [
        { name: 'open', at },
        { name: 'open', at },
        { name: 'load', at },
      ],
    });
    const ok = await post(ORIGIN, batch);
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), ORIGIN);
    const expected = [
      { day, name: 'load', count: 1 },
      { day, name: 'open', count: 2 },
    ];
    assert.deepEqual(await counts(), expected);

    assert.equal((await post(FOREIGN, batch)).status, 403);
    assert.equal((await post(null, batch)).status, 403);
    assert.equal((await post('https://a.shop.test', batch)).status, 204, 'wildcard subdomain is allowed');
    expected[0] = { day, name: 'load', count: 2 };
    expected[1] = { day, name: 'open', count: 4 };
    const big = JSON.stringify({ site: 'shop', events: [{ name: 'open', at }], pad: 'x'.repeat(9000) });
    assert.equal((await post(ORIGIN, big)).status, 413);
    assert.deepEqual(await counts(), expected, 'refused batches counted nothing');
  });

  it('answers an event time outside the Date range with 400, not a server error', async () => {
    // 8.64e15 ms is the largest valid Date; a safe integer beyond it passes the schema.
    const res = await post(ORIGIN, JSON.stringify({ site: 'shop', events: [{ name: 'open', at: 9e15 }] }));
    assert.equal(res.status, 400, res.text);
  });
});

describe('security: graceful shutdown keeps the ack promise', () => {
  it('closes with 1012 and stores exactly the acked messages, each once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parlor-shutdown-'));
    try {
      const server = await startTestServer({
        dataDir,
        limits: { messagesPerSecond: 1000, messageBurst: 1000, framesPerSecond: 1000 },
      });
      const { client } = await visitor(server);
      const ids: string[] = [];
      for (let i = 0; i < 50; i++) {
        const id = uuidv7();
        ids.push(id);
        client.send({ type: 'send', id, body: { kind: 'text', text: `m${i}` } });
      }
      const stopping = server.close();
      assert.equal((await client.closed).code, 1012);
      await stopping;
      const acks = client.frames.filter((f) => f.type === 'ack') as unknown as { id: string; seq: number }[];

      const storage = createSqliteStorage({ file: join(dataDir, 'parlor.db') });
      await storage.migrate();
      try {
        const conversations = await storage.listConversations({ siteIds: ['shop'], limit: 10 });
        assert.ok(conversations.length <= 1);
        const rows = conversations[0] ? await storage.allMessages(conversations[0].id) : [];
        const stored = rows.filter((m) => m.role === 'visitor');
        for (const ack of acks) {
          const matches = stored.filter((m) => m.clientId === ack.id);
          assert.equal(matches.length, 1, `acked ${ack.id} stored once`);
          assert.equal(matches[0]?.seq, ack.seq);
        }
        assert.equal(stored.length, acks.length, `stored ${stored.length} visitor messages, acked ${acks.length}`);
        assert.ok(
          stored.every((m) => ids.includes(m.clientId)),
          'only the messages sent',
        );
      } finally {
        await storage.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
