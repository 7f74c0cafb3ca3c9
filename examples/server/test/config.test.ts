import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { withinBusinessHours } from '../src/business-hours.js';
import { ConfigError, loadConfig, parseSitesFile } from '../src/config.js';
import { greetingResponder } from '../src/responder.js';

const dir = mkdtempSync(join(tmpdir(), 'parlor-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const site = {
  id: 'shop',
  name: 'Shop',
  secrets: [{ kid: 'k', secret: 'x'.repeat(32) }],
  allowedOrigins: ['https://shop.example'],
};

describe('configuration', () => {
  it('refuses a bad sites file with a message naming the field', () => {
    const cases: [unknown, RegExp][] = [
      [
        { sites: [{ ...site, secrets: [{ kid: 'k', secret: 'short' }] }] },
        /sites\.0\.secrets\.0\.secret: at least 32 characters/,
      ],
      [{ sites: [{ ...site, allowedOrigins: ['shop.example'] }] }, /sites\.0\.allowedOrigins\.0: an origin like/],
      [{ sites: [site, site] }, /sites\.1\.id: duplicate site id "shop"/],
      [
        { sites: [site], agents: [{ id: 'a', name: 'A', token: 'y'.repeat(32), sites: ['nope'] }] },
        /agents\.0\.sites\.0: unknown site "nope"/,
      ],
      [
        { sites: [{ ...site, businessHours: { timezone: 'Mars/Olympus', weekly: {} } }] },
        /sites\.0\.businessHours\.timezone: an IANA time zone/,
      ],
      [{ sites: [] }, /sites:/],
    ];
    for (const [raw, message] of cases)
      assert.throws(
        () => parseSitesFile(raw),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
      );
  });

  it('refuses a bad environment value, naming it', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty', DATA_DIR: dir }), /environment: PORT/);
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ not json');
    assert.throws(() => loadConfig({ PARLOR_SITES_FILE: file, DATA_DIR: dir }), /cannot read a JSON sites file/);
  });

  it('reads quotas, socket limits and metrics access from the environment, with documented defaults', () => {
    const defaults = loadConfig({ DATA_DIR: dir });
    assert.deepEqual(defaults.uploads, {
      visitorBytes: 100 * 1024 * 1024,
      siteBytes: 5 * 1024 * 1024 * 1024,
      windowMs: 86_400_000,
      orphanTtlMs: 86_400_000,
    });
    assert.deepEqual(defaults.sockets, {
      maxSocketsPerIp: 64,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 120_000,
      inboundBytesPerSecond: 256 * 1024,
    });
    assert.deepEqual(defaults.metrics, { token: null, port: null, host: '127.0.0.1' });
    const set = loadConfig({
      DATA_DIR: dir,
      UPLOAD_VISITOR_QUOTA_BYTES: '1000',
      UPLOAD_SITE_QUOTA_BYTES: '5000',
      UPLOAD_QUOTA_WINDOW_SECONDS: '60',
      UPLOAD_ORPHAN_TTL_SECONDS: '30',
      MAX_CONNECTIONS_PER_IP: '100',
      MAX_SOCKETS_PER_IP: '10',
      HEADERS_TIMEOUT_MS: '2000',
      INBOUND_BYTES_PER_IP: '1048576',
      METRICS_TOKEN: 'm'.repeat(32),
      METRICS_PORT: '9100',
    });
    assert.deepEqual(set.uploads, { visitorBytes: 1000, siteBytes: 5000, windowMs: 60_000, orphanTtlMs: 30_000 });
    // The socket cap never falls below the WebSocket connections an IP may hold.
    assert.equal(set.sockets?.maxSocketsPerIp, 108);
    assert.equal(set.sockets?.headersTimeoutMs, 2000);
    assert.equal(set.sockets?.inboundBytesPerSecond, 1_048_576);
    assert.deepEqual(set.metrics, { token: 'm'.repeat(32), port: 9100, host: '127.0.0.1' });
    assert.throws(() => loadConfig({ DATA_DIR: dir, METRICS_TOKEN: 'short' }), /METRICS_TOKEN: at least 32 characters/);
    assert.throws(() => loadConfig({ DATA_DIR: dir, UPLOAD_ORPHAN_TTL_SECONDS: '0' }), /UPLOAD_ORPHAN_TTL_SECONDS/);
    assert.throws(
      () => loadConfig({ DATA_DIR: dir, INBOUND_BYTES_PER_IP: '1000' }),
      /INBOUND_BYTES_PER_IP: at least 65536/,
    );
  });

  it('the demo site accepts only the server’s own origins, and keeps its generated secrets across restarts', () => {
    const first = loadConfig({ PORT: '9123', DATA_DIR: dir });
    assert.deepEqual(first.sites[0]?.allowedOrigins, ['http://localhost:9123', 'http://127.0.0.1:9123']);
    const again = loadConfig({ PORT: '9123', DATA_DIR: dir });
    assert.equal(again.sites[0]?.secrets[0]?.secret, first.sites[0]?.secrets[0]?.secret);
    assert.equal(again.agents[0]?.token, first.agents[0]?.token);
    assert.ok((first.agents[0]?.token.length ?? 0) >= 32);
  });
});

describe('business hours and the away message', () => {
  const hours = { timezone: 'Europe/Paris', weekly: { mon: ['09:00-17:30'] } };
  // Monday 2026-11-23: 08:00 UTC is 09:00 in Paris (UTC+1 in winter).
  const monday = (utc: string) => Date.parse(`2026-11-23T${utc}:00Z`);

  it('is open inside a range in the site’s time zone, closed outside and on other days', () => {
    assert.equal(withinBusinessHours({ businessHours: hours }, monday('08:00')), true);
    assert.equal(withinBusinessHours({ businessHours: hours }, monday('07:59')), false);
    assert.equal(withinBusinessHours({ businessHours: hours }, monday('16:29')), true);
    assert.equal(withinBusinessHours({ businessHours: hours }, monday('16:30')), false);
    assert.equal(withinBusinessHours({ businessHours: hours }, Date.parse('2026-11-24T10:00:00Z')), false);
    assert.equal(withinBusinessHours({}, monday('03:00')), true, 'no business hours: always open');
  });

  it('greets on the first message, and adds the away note only outside hours', async () => {
    const config = parseSitesFile({ sites: [{ ...site, greeting: 'Hi!', awayMessage: 'Away.', businessHours: hours }] })
      .sites[0];
    assert.ok(config);
    const input = { site: config, conversation: { id: 'c', lastAgentSeq: 0 }, seq: 1, first: true };
    assert.deepEqual(
      (await greetingResponder.respond({ ...input, now: monday('09:00') })).map((r) => r.id),
      ['bot:greeting'],
    );
    assert.deepEqual(
      (await greetingResponder.respond({ ...input, now: monday('20:00') })).map((r) => r.id),
      ['bot:greeting', 'bot:away:1'],
    );
    assert.deepEqual(await greetingResponder.respond({ ...input, first: false, seq: 5, now: monday('20:00') }), []);
  });
});
