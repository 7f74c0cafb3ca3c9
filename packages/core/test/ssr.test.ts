// Importing and using @parlor/core where there is no DOM (server rendering, Node) must not throw:
// storage falls back to memory, no socket opens until asked, and destroy releases everything.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

describe('@parlor/core in Node (no DOM)', () => {
  it('imports, creates a client, subscribes and destroys without touching browser globals', async () => {
    assert.equal(typeof (globalThis as { window?: unknown }).window, 'undefined');
    const core = await import('@parlor/core');
    const client = core.createChatClient({ siteId: 'ssr', server: 'https://chat.example.com' });
    const events: string[] = [];
    const off = client.subscribe((event) => events.push(event.type));
    const snapshot = client.getSnapshot();
    assert.equal(snapshot.connection.status, 'idle');
    assert.equal(snapshot.storage, 'none');
    assert.equal(client.getSnapshot(), snapshot, 'the snapshot is stable between changes');
    off();
    client.destroy();
    assert.throws(
      () => client.connect(),
      (error: unknown) => core.isParlorError(error) && error.code === 'destroyed',
    );
  });

  it('refuses bad options with a typed error naming the field', async () => {
    const { createChatClient, isParlorError } = await import('@parlor/core');
    assert.throws(
      () => createChatClient({ siteId: 'bad site!', server: 'https://chat.example.com' }),
      (error: unknown) => isParlorError(error) && error.code === 'invalid_options' && /siteId/.test(error.message),
    );
  });

  it('the protocol entry is importable by a server without the client', async () => {
    const protocol = await import('@parlor/core/protocol');
    assert.equal(protocol.PROTOCOL_VERSION, 1);
    assert.equal(protocol.parseFrame(protocol.clientFrameSchema, '{"type":"ping"}', 1024).ok, true);
  });
});
