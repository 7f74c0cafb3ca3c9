import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from './harness.js';

describe('reference server over HTTP', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('answers GET /health with 200 and a JSON status', async () => {
    const res = await fetch(`${server.url}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  it('serves the visitor demo page, which loads the CDN script, under a strict CSP', async () => {
    const res = await fetch(`${server.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'(;|$)/);
    assert.match(await res.text(), /<script src="\/cdn\/parlor\.js" data-site-id="demo"/);
  });

  it('serves the agent console page', async () => {
    const res = await fetch(`${server.url}/agent`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<title>Parlor agent console<\/title>/);
  });

  it('refuses paths that climb out of the static folders', async () => {
    for (const path of ['/static/..%2Fpackage.json', '/cdn/..%2F..%2Fpackage.json', '/static/%E0%A4%A']) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 404, path);
    }
  });

  it('refuses methods other than GET and HEAD on pages', async () => {
    const res = await fetch(`${server.url}/`, { method: 'POST' });
    assert.equal(res.status, 405);
  });

  it('exposes Prometheus metrics', async () => {
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /^parlor_connections\{kind="visitor"\} \d+$/m);
    assert.match(text, /^parlor_relay_latency_ms_bucket\{le="\+Inf"\} \d+$/m);
  });
});
