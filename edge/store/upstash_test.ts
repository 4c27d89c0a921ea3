// The Upstash store adapter end to end: the real @upstash/redis client, through the
// roomcast Redis bridge, to a real redis-server on loopback.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryLogger } from '../../core/log.ts';
import { startRedisServer, type TestRedisServer } from '../../core/testing/redis_server.ts';
import { runRedisBridge } from '../redis_bridge/main.ts';
import { createRespClient, type RespClient } from '../redis_bridge/resp.ts';
import { runStoreContract } from './store_contract.ts';
import { compareStreamIds } from './store.ts';
import { createUpstashStore } from './upstash.ts';

const TOKEN = `canary-token-${crypto.randomUUID()}`;

interface Backend {
  redisServer: TestRedisServer;
  bridge: { close(): Promise<void>; port: number };
  url: string;
}

// Started once, on first use, for every test in this file; stopped by `after`.
let backend: Promise<Backend> | undefined;
const useBackend = () => (backend ??= (async () => {
  const redisServer = await startRedisServer();
  try {
    const bridge = await runRedisBridge(
      { listen: { host: '127.0.0.1', port: 0 }, redisUrl: redisServer.url, token: TOKEN },
      createMemoryLogger('redis-bridge'),
    );
    return { redisServer, bridge, url: `http://127.0.0.1:${bridge.port}` };
  } catch (error) {
    await redisServer.stop();
    throw error;
  }
})());

after(async () => {
  if (!backend) return;
  const { bridge, redisServer } = await backend;
  await bridge.close();
  await redisServer.stop();
});

runStoreContract('upstash via the redis bridge', async () => {
  const { url } = await useBackend();
  return { store: createUpstashStore({ url, token: TOKEN }) };
});

describe('upstash store specifics', () => {
  let redis: RespClient;
  before(async () => {
    redis = createRespClient((await useBackend()).redisServer.url);
  });
  after(() => redis.close());

  it('gives a new counter its expiry in the same step as the first INCR', async () => {
    const { url } = await useBackend();
    const store = createUpstashStore({ url, token: TOKEN });
    const key = `specifics:${crypto.randomUUID()}`;
    assert.equal(await store.incrWithin(key, 60_000), 1);
    const ttl = await redis.command(['PTTL', key]);
    assert.equal(typeof ttl, 'number');
    assert.ok((ttl as number) > 0 && (ttl as number) <= 60_000, `PTTL ${String(ttl)}`);
    assert.equal(await store.incrWithin(key, 60_000), 2);
    await store.close();
  });

  it('stores values as plain strings that other Redis clients read as they are', async () => {
    const { url } = await useBackend();
    const store = createUpstashStore({ url, token: TOKEN });
    const key = `specifics:${crypto.randomUUID()}`;
    await store.set(key, '{"viewers":3}');
    const raw = await redis.command(['GET', key]);
    assert.ok(raw instanceof Uint8Array);
    assert.equal(new TextDecoder().decode(raw), '{"viewers":3}');
    assert.equal(await store.get(key), '{"viewers":3}');
    await store.close();
  });

  it('throws Errors that carry neither the token nor the values', async () => {
    const { url } = await useBackend();
    const store = createUpstashStore({ url, token: TOKEN });
    const key = `specifics:${crypto.randomUUID()}`;
    const secret = `secret-${crypto.randomUUID()}`;
    await store.set(key, secret);
    await assert.rejects(store.incrWithin(key, 1_000), (error: Error) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /incrWithin failed: .*not an integer/);
      assert.ok(!error.message.includes(TOKEN));
      assert.ok(!error.message.includes(secret));
      return true;
    });
    await store.close();

    const wrong = createUpstashStore({ url, token: `${TOKEN}-wrong` });
    await assert.rejects(wrong.set(key, secret), (error: Error) => {
      assert.match(error.message, /invalid token/);
      assert.ok(!error.message.includes(TOKEN));
      assert.ok(!error.message.includes(secret));
      return true;
    });
  });

  it('gives a stream ids after a redis-server restart greater than before it', async () => {
    // Its own server: a restart would break the requests of any test sharing one.
    const redisServer = await startRedisServer();
    const bridge = await runRedisBridge(
      { listen: { host: '127.0.0.1', port: 0 }, redisUrl: redisServer.url, token: TOKEN },
      createMemoryLogger('redis-bridge'),
    );
    const store = createUpstashStore({ url: `http://127.0.0.1:${bridge.port}`, token: TOKEN });
    try {
      const limits = { maxLength: 100, ttlMs: 60_000 };
      await store.streamAppend('chat', 'one', limits);
      const before = await store.streamAppend('chat', 'two', limits);
      await redisServer.restart();
      // Nothing persists: the stream is gone, and Redis starts its ids from the clock again.
      assert.equal(await store.streamLastId('chat'), '0-0');
      const after = await store.streamAppend('chat', 'three', limits);
      assert.ok(compareStreamIds(after, before) > 0, `${after} after ${before}`);
      // So a reader's cursor from before the restart still sees what came after it.
      const read = await store.streamRead([{ key: 'chat', afterId: before }], 10);
      assert.deepEqual(read, [{ key: 'chat', id: after, value: 'three' }]);
    } finally {
      await store.close();
      await bridge.close();
      await redisServer.stop();
    }
  });

  it('refuses a URL that is not http(s) when created, without echoing the token', () => {
    assert.throws(
      () => createUpstashStore({ url: 'redis://127.0.0.1:6379', token: TOKEN }),
      (error: Error) => !error.message.includes(TOKEN),
    );
  });
});
