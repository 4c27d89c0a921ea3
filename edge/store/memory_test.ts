import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from './memory.ts';
import { runStoreContract } from './store_contract.ts';

runStoreContract('memory', () => Promise.resolve({ store: createMemoryStore() }));

describe('memory store with an injected clock', () => {
  const clock = () => {
    let time = 1_000_000;
    return { now: () => time, advance: (ms: number) => (time += ms) };
  };

  it('expires exactly at ttlMs, not a millisecond before', async () => {
    const { now, advance } = clock();
    const store = createMemoryStore({ now });
    await store.set('node', 'alive', { ttlMs: 5_000 });
    advance(4_999);
    assert.equal(await store.get('node'), 'alive');
    advance(1);
    assert.equal(await store.get('node'), null);
  });

  it('runs a fixed window for incrWithin', async () => {
    const { now, advance } = clock();
    const store = createMemoryStore({ now });
    assert.equal(await store.incrWithin('hits', 60_000), 1);
    advance(59_000);
    assert.equal(await store.incrWithin('hits', 60_000), 2);
    advance(1_000);
    assert.equal(await store.incrWithin('hits', 60_000), 1);
  });

  it('sweeps expired keys nobody reads again, on a later call', async () => {
    const { now, advance } = clock();
    const store = createMemoryStore({ now, sweepIntervalMs: 10_000 });
    for (let i = 0; i < 1_000; i++) await store.set(`viewer:${i}`, 'x', { ttlMs: 1_000 });
    await store.set('durable', 'kept');
    assert.equal(store.entryCount(), 1_001);
    advance(5_000);
    await store.get('unrelated');
    // Expired but not yet swept: lazy expiry alone would keep these forever.
    assert.equal(store.entryCount(), 1_001);
    advance(5_000);
    await store.get('unrelated');
    assert.equal(store.entryCount(), 1);
    assert.equal(await store.get('durable'), 'kept');
  });

  it('drops an expired key as soon as it is read', async () => {
    const { now, advance } = clock();
    const store = createMemoryStore({ now, sweepIntervalMs: 1e12 });
    await store.set('a', '1', { ttlMs: 10 });
    advance(10);
    assert.equal(await store.get('a'), null);
    assert.equal(store.entryCount(), 0);
  });

  it('makes stream ids from the clock, bumping seq while it stands still or goes back', async () => {
    const { now, advance } = clock();
    const store = createMemoryStore({ now });
    const limits = { maxLength: 10, ttlMs: 60_000 };
    assert.equal(await store.streamAppend('chat', 'a', limits), '1000000-0');
    assert.equal(await store.streamAppend('chat', 'b', limits), '1000000-1');
    advance(-5);
    assert.equal(await store.streamAppend('chat', 'c', limits), '1000000-2');
    advance(6);
    assert.equal(await store.streamAppend('chat', 'd', limits), '1000001-0');
    // Each stream counts on its own.
    assert.equal(await store.streamAppend('other', 'x', limits), '1000001-0');
  });

  it('never hands out 0-0, even at clock 0', async () => {
    const store = createMemoryStore({ now: () => 0 });
    const limits = { maxLength: 10, ttlMs: 60_000 };
    assert.equal(await store.streamAppend('chat', 'a', limits), '0-1');
    assert.equal(await store.streamAppend('chat', 'b', limits), '0-2');
  });

  it('trims a stream to exactly maxLength, newest kept, ids still growing', async () => {
    const { now } = clock();
    const store = createMemoryStore({ now });
    const limits = { maxLength: 3, ttlMs: 60_000 };
    for (let i = 0; i < 10; i++) await store.streamAppend('chat', `m${i}`, limits);
    const read = await store.streamRead([{ key: 'chat', afterId: '0-0' }], 100);
    assert.deepEqual(read.map((entry) => [entry.id, entry.value]), [
      ['1000000-7', 'm7'],
      ['1000000-8', 'm8'],
      ['1000000-9', 'm9'],
    ]);
    assert.equal(await store.streamAppend('chat', 'm10', limits), '1000000-10');
  });

  it('expires a stream exactly ttlMs after its last append', async () => {
    const { now, advance } = clock();
    const store = createMemoryStore({ now });
    const limits = { maxLength: 10, ttlMs: 5_000 };
    await store.streamAppend('chat', 'a', limits);
    advance(3_000);
    await store.streamAppend('chat', 'b', limits);
    advance(4_999);
    assert.equal(await store.streamLastId('chat'), '1003000-0');
    advance(1);
    assert.equal(await store.streamLastId('chat'), '0-0');
    assert.deepEqual(await store.streamRead([{ key: 'chat', afterId: '0-0' }], 10), []);
    // A new stream under the key starts afresh, from the clock.
    assert.equal(await store.streamAppend('chat', 'c', limits), '1008000-0');
  });

  it('counts a stream as one entry and sweeps it once expired', async () => {
    const { now, advance } = clock();
    const store = createMemoryStore({ now, sweepIntervalMs: 10_000 });
    for (let i = 0; i < 5; i++) {
      await store.streamAppend('chat', `m${i}`, { maxLength: 10, ttlMs: 1_000 });
    }
    assert.equal(store.entryCount(), 1);
    advance(10_000);
    await store.get('unrelated');
    assert.equal(store.entryCount(), 0);
  });

  it('frees everything on close', async () => {
    const store = createMemoryStore();
    await store.set('a', '1');
    await store.setAdd('b', 'm');
    await store.streamAppend('c', 'v', { maxLength: 10, ttlMs: 60_000 });
    assert.equal(store.entryCount(), 3);
    await store.close();
    assert.equal(store.entryCount(), 0);
  });
});
