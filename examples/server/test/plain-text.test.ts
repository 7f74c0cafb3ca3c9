import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { plainBody, plainLabel, plainText, truncate } from '../src/plain-text.js';
import { ORIGIN, agent, say, startTestServer, uuidv7, visitor, type TestServer } from './harness.js';

describe('plainText: text is stored as sent', () => {
  it('keeps markup, entities, angle brackets, line breaks, control characters and bidi marks', () => {
    for (const text of [
      'My template has <div class="cart"> and <Button>',
      '<img src=x onerror=alert(1)>hi<script>alert(2)</script>',
      'a<!-- note -->b<![CDATA[<x>]]>c<?php echo 1 ?>d',
      '<scr<b>ipt>alert(1)</scr</b>ipt>',
      'if a < b and b > c, love you <3, &lt;b&gt; &amp;',
      'line 1\r\nline 2\rline 3\n\ttabbed \u0000 \u0007',
      'invoice\u202Efdp.exe and \u2067שלום\u2069',
      '  leading and trailing  ',
      'emoji 👩🏽‍💻',
    ])
      assert.equal(plainText(text), text);
  });

  it('replaces lone surrogates, which are not text and cannot be sent as UTF-8, with U+FFFD', () => {
    assert.equal(plainText('a\ud800b\udc00c'), 'a\uFFFDb\uFFFDc');
    assert.equal(plainText('end \ud83d'), 'end \uFFFD');
    assert.equal(plainText('pair \ud83d\ude00'), 'pair \ud83d\ude00');
  });
});

describe('plainLabel and plainBody', () => {
  it('makes one-line labels: control characters to spaces, trimmed, capped; markup kept', () => {
    assert.equal(plainLabel('  Ada\n<b>Lovelace</b>\t ', 100), 'Ada <b>Lovelace</b>');
    assert.equal(plainLabel('x'.repeat(300), 255).length, 255);
    assert.equal(plainLabel('a"; filename=evil.html\r\nSet-Cookie: x', 255), 'a"; filename=evil.html  Set-Cookie: x');
  });

  it('never splits a surrogate pair when capping', () => {
    assert.equal(truncate('ab😀', 3), 'ab');
    assert.equal(truncate('ab😀', 4), 'ab😀');
  });

  it('keeps message text and captions as sent, refuses only what shows nothing, labels the file name', () => {
    assert.deepEqual(plainBody({ kind: 'text', text: ' <b>x</b> ' }), { kind: 'text', text: ' <b>x</b> ' });
    assert.equal(plainBody({ kind: 'text', text: ' \n\t ' }), null);
    assert.equal(plainBody({ kind: 'text', text: '\u200b\u2060 \u200d' }), null, 'nothing to show');
    const upload = 'u_AAAAAAAAAAAAAAAAAAAAAA';
    assert.deepEqual(
      plainBody({
        kind: 'attachment',
        upload,
        name: '<i>a</i>\n.png',
        mime: 'image/png',
        size: 1,
        caption: '<b>c</b>',
        url: 'https://evil.test/',
      }),
      { kind: 'attachment', upload, name: '<i>a</i> .png', mime: 'image/png', size: 1, caption: '<b>c</b>' },
    );
  });
});

/** CPU time (user + system, µs) this process spends in `work`: the server runs in this process. */
async function cpu(work: () => Promise<void>): Promise<number> {
  const start = process.cpuUsage();
  await work();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/**
 * Cost of a hostile input over the cost of a benign one of the same length, through the whole server path:
 * the best of several rounds of each, interleaved, so a busy machine slows both alike. CPU time, not wall
 * time: other processes on the machine do not count.
 */
async function ratio(hostile: () => Promise<void>, benign: () => Promise<void>, rounds = 4): Promise<number> {
  let h = Infinity;
  let b = Infinity;
  for (let i = 0; i < rounds; i++) {
    b = Math.min(b, await cpu(benign));
    h = Math.min(h, await cpu(hostile));
  }
  return h / b;
}

/** Ordinary words, `length` characters long. */
const words = (length: number) =>
  'Where is my linen apron order, please? '.repeat(Math.ceil(length / 39)).slice(0, length);
/** Tag openers with no end (`x<ax<a…`), the input that made a markup stripper re-run until stable quadratic. */
const tagOpeners = (length: number) => 'x<a'.repeat(Math.ceil(length / 3)).slice(0, length);
/** The same with nothing else (`<a<a…`): the input of the issue, for context fields. */
const bareOpeners = (length: number) => '<a'.repeat(Math.ceil(length / 2)).slice(0, length);

describe('work per input is linear: hostile text costs about what benign text of the same length does', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      limits: { framesPerSecond: 100_000, messagesPerSecond: 100_000, messageBurst: 100_000 },
    });
  });
  after(() => server.stop());

  it('stores and delivers a message with markup exactly as sent', async () => {
    const ada = await agent(server);
    const v = await visitor(server);
    const text = 'My template has <div class="cart"> and <Button>\r\n<img src=x onerror=alert(1)> a < b';
    const { ack } = await say(v.client, text);
    const [row] = await server.hub.storage.messagesAfter(ack.conversation, 0, 1);
    assert.deepEqual(row?.body, { kind: 'text', text });
    ada.client.send({ type: 'open', conversation: ack.conversation });
    const transcript = await ada.client.next<{ messages: { body: { text: string } }[] }>('transcript');
    assert.equal(transcript.messages[0]?.body.text, text);
    // And the agent's reply reaches the visitor as typed.
    const reply = 'Use <Button variant="primary"> inside <form>';
    ada.client.send({
      type: 'send',
      id: uuidv7(),
      conversation: ack.conversation,
      body: { kind: 'text', text: reply },
    });
    await ada.client.next('ack');
    let got = await v.client.next<{ message: { author: { role: string }; body: { text: string } } }>('message');
    while (got.message.author.role !== 'agent')
      got = await v.client.next<{ message: { author: { role: string }; body: { text: string } } }>('message');
    assert.equal(got.message.body.text, reply);
    v.client.close();
    ada.client.close();
  });

  it('context frames: titles and 50 attributes of tag openers', async (t) => {
    const v = await visitor(server, { consent: { context: true, analytics: false } });
    let n = 0;
    const frames = (make: (length: number) => string) => async () => {
      for (let i = 0; i < 30; i++) {
        const attributes: Record<string, string> = {};
        for (let k = 0; k < 50; k++) attributes[`k${k}`] = make(500);
        v.client.send({ type: 'context', page: { url: `https://shop.test/p/${n++}`, title: make(300) }, attributes });
      }
      v.client.send({ type: 'ping' });
      await v.client.next('pong', 60_000);
    };
    const r = await ratio(frames(bareOpeners), frames(words));
    t.diagnostic(`context: hostile/benign CPU = ${r.toFixed(2)}`);
    assert.ok(r < 3, `a hostile context frame costs ${r.toFixed(1)}× a benign one`);
    v.client.close();
  });

  it('message text: 4,000 characters of tag openers', async (t) => {
    const v = await visitor(server);
    const messages = (make: (length: number) => string) => async () => {
      for (let i = 0; i < 30; i++)
        v.client.send({ type: 'send', id: uuidv7(), body: { kind: 'text', text: make(4000) } });
      for (let i = 0; i < 30; i++) await v.client.next('ack', 60_000);
    };
    const r = await ratio(messages(tagOpeners), messages(words));
    t.diagnostic(`messages: hostile/benign CPU = ${r.toFixed(2)}`);
    assert.ok(r < 3, `a hostile message costs ${r.toFixed(1)}× a benign one`);
    v.client.close();
  });

  it('upload file names: 6,000 characters of tag openers', async (t) => {
    const v = await visitor(server);
    const names: [string, string][] = [];
    const uploads = (make: (length: number) => string) => async () => {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${server.url}/v1/uploads`, {
          method: 'POST',
          headers: {
            origin: ORIGIN,
            authorization: `Bearer ${v.welcome.session.token}`,
            'content-type': 'text/plain',
            'x-parlor-filename': encodeURIComponent(make(6000)),
          },
          body: 'x',
        });
        assert.equal(res.status, 201);
        names.push([((await res.json()) as { name: string }).name, make(255)]);
      }
    };
    const r = await ratio(uploads(tagOpeners), uploads(words));
    t.diagnostic(`uploads: hostile/benign CPU = ${r.toFixed(2)}`);
    assert.ok(r < 3, `a hostile file name costs ${r.toFixed(1)}× a benign one`);
    for (const [name, sent] of names) assert.equal(name, sent, 'the name is kept as sent, capped');
    v.client.close();
  });
});
