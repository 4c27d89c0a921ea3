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

  it('frees everything on close', async () => {
    const store = createMemoryStore();
    await store.set('a', '1');
    await store.setAdd('b', 'm');
    await store.close();
    assert.equal(store.entryCount(), 0);
  });
});
