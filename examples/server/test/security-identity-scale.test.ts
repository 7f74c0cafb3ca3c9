/**
 * Carry-over across processes, against real PostgreSQL and Redis: an anonymous visitor with a socket on each
 * of two server processes signs in on one; its socket on the other closes, receives nothing of the signed-in
 * user, and its token then gets a fresh visitor — also when the process was cut off from Redis as it happened.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { computeUserHash } from '../src/auth/index.js';
import { SECRET, say } from './harness.js';
import { startProcess, visitorOn, type ServerProcess } from './processes.js';
import { freshSchema, servicesModule, useServices } from './services.js';

const services = await useServices();
if (!services.ok) {
  describe('security: carry-over across processes', () => {
    it('needs PostgreSQL and Redis', { skip: services.reason }, () => {});
  });
} else {
  describe('security: carry-over across processes', { timeout: 120_000 }, () => {
    let schema: Awaited<ReturnType<typeof freshSchema>>;
    let a: ServerProcess;
    let b: ServerProcess;

    before(async () => {
      schema = await freshSchema(services.databaseUrl);
      const env = { DATABASE_URL: schema.url, REDIS_URL: services.redisUrl };
      a = await startProcess('a', env); // migrates the fresh schema first
      b = await startProcess('b', env);
    });
    after(async () => {
      await Promise.allSettled([a?.stop(), b?.stop()]);
      await schema?.drop();
      await services.stop();
    });

    it('closes the anonymous visitor’s socket on the other process when it signs in on one', async () => {
      const onA = await visitorOn(a);
      const onB = await visitorOn(b, onA.welcome.visitor.token);
      assert.equal(onB.welcome.visitor.id, onA.welcome.visitor.id, 'one anonymous visitor, a socket on each');
      await say(onA.client, 'before signing in');
      onA.client.send({
        type: 'identify',
        auth: { mode: 'identified', userId: 'scale-carry', userHash: computeUserHash(SECRET, 'scale-carry') },
      });
      await onA.client.next('welcome', 10_000);
      const closed = await onB.client.closed;
      assert.deepEqual([closed.code, closed.reason], [1000, 'identity_changed'], b.output());
      await say(onA.client, 'only for the signed-in user');
      const leaked = onB.client.seen('message').filter((f) => JSON.stringify(f).includes('only for the signed-in'));
      assert.deepEqual(leaked, []);
      const again = await visitorOn(b, onA.welcome.visitor.token);
      assert.notEqual(again.welcome.visitor.id, onA.welcome.visitor.id, 'the spent token yields a fresh visitor');
      again.client.close();
      onA.client.close();
    });

    describe('when the other process was cut off from Redis', () => {
      // A Redis of this suite's own, so restarting it disturbs nothing else; two processes on it.
      let redis: Awaited<ReturnType<Awaited<ReturnType<typeof servicesModule>>['startRedis']>>;
      let c: ServerProcess;
      let d: ServerProcess;
      before(async () => {
        redis = await (await servicesModule()).startRedis({ quiet: true });
        const env = { DATABASE_URL: schema.url, REDIS_URL: redis.url };
        c = await startProcess('c', env);
        d = await startProcess('d', env);
      });
      after(async () => {
        await Promise.allSettled([c?.stop(), d?.stop()]);
        await redis?.stop();
      });

      it('closes the socket once Redis is back: the catch-up reads the merge from storage', async () => {
        const onC = await visitorOn(c);
        const onD = await visitorOn(d, onC.welcome.visitor.token);
        await say(onC.client, 'before signing in');
        await redis.restart(async () => {
          // The merge is stored; its announcement is lost with Redis.
          onD.client.send({
            type: 'identify',
            auth: { mode: 'identified', userId: 'scale-cut', userHash: computeUserHash(SECRET, 'scale-cut') },
          });
          await onD.client.next('welcome', 10_000);
        });
        const closed = await onC.client.closed;
        assert.deepEqual([closed.code, closed.reason], [1000, 'identity_changed'], c.output());
        onD.client.close();
      });
    });
  });
}
