// The one contract every LiveStore adapter passes. It uses short real TTLs and waits
// (never an injected clock) so the very same tests run against a real Redis.
// Each test gets a fresh store from `setup` and its own key prefix, so tests sharing one
// Redis never see each other's keys.
import { describe, it as nodeIt } from 'node:test';
import assert from 'node:assert/strict';
import type { LiveStore } from './store.ts';

export type StoreSetup = () => Promise<{ store: LiveStore; cleanup?: () => Promise<void> }>;

// Long enough that a few round trips through an HTTP bridge fit well inside one TTL even on
// a loaded 2-core CI machine (round trips of 0.75 s were seen while the media end-to-end
// tests ran beside this suite), short enough that the suite stays quick: the TTL tests run
// concurrently. SLACK covers timer and expiry jitter.
const TTL_MS = 3000;
const SLACK_MS = 1000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Values the Upstash client must carry through JSON and its base64 response decoding.
const AWKWARD_VALUES: Record<string, string> = {
  empty: '',
  'leading and trailing spaces': '  padded  ',
  newlines: 'line one\nline two\r\nline three\n',
  'unicode and emoji': 'Grüße, 会場 — 🎤🎬 café',
  'control characters and NUL': '\u0000\u0001\u0007\t\u001b[31m\u007f',
  'latin-1 range (binary-ish)': '\u00ff\u00fe\u0080\u00a0\u00e9',
  'JSON-looking text stays text': '{"live":true,"viewers":12}',
  'number-looking text stays text': '007',
  'literal OK': 'OK',
  'looks like base64': 'T0s=',
  'quotes and backslashes': `"'\\\\n\``,
  long: 'x'.repeat(100_000),
};

export function runStoreContract(name: string, setup: StoreSetup): void {
  /**
   * A test with its own store and key prefix. Nothing is shared between tests, so they
   * run concurrently and the suite's waits for expiry overlap instead of adding up.
   */
  const it = (
    title: string,
    body: (store: LiveStore, k: (key: string) => string) => Promise<void>,
  ) =>
    nodeIt(title, async () => {
      const { store, cleanup } = await setup();
      const prefix = `contract:${crypto.randomUUID()}:`;
      try {
        await body(store, (key) => `${prefix}${key}`);
      } finally {
        await store.close();
        await cleanup?.();
      }
    });

  describe(`LiveStore contract: ${name}`, { concurrency: true }, () => {
    describe('get and set', { concurrency: true }, () => {
      it('returns null for a missing key', async (store, k) => {
        assert.equal(await store.get(k('missing')), null);
      });

      it('stores and overwrites a value', async (store, k) => {
        assert.equal(await store.set(k('room'), 'live'), true);
        assert.equal(await store.get(k('room')), 'live');
        assert.equal(await store.set(k('room'), 'ended'), true);
        assert.equal(await store.get(k('room')), 'ended');
      });

      for (const [label, value] of Object.entries(AWKWARD_VALUES)) {
        it(`round-trips a value: ${label}`, async (store, k) => {
          assert.equal(await store.set(k('value'), value), true);
          assert.equal(await store.get(k('value')), value);
        });
      }

      it('round-trips awkward keys and set members too', async (store, k) => {
        const key = k('ключ 🔑\nline');
        await store.set(key, 'v');
        assert.equal(await store.get(key), 'v');
        await store.setAdd(k('set'), 'member 🎤\n2');
        await store.setAdd(k('set'), '\u00ff\u0000');
        assert.deepEqual(await store.setMembers(k('set')), ['member 🎤\n2', '\u00ff\u0000'].sort());
      });

      it('expires a value after ttlMs', async (store, k) => {
        assert.equal(await store.set(k('node'), 'alive', { ttlMs: TTL_MS }), true);
        assert.equal(await store.get(k('node')), 'alive');
        await sleep(TTL_MS + SLACK_MS);
        assert.equal(await store.get(k('node')), null);
      });

      it(
        'keeps a value without ttlMs, and a later set without ttlMs drops the expiry',
        async (store, k) => {
          await store.set(k('forever'), 'a');
          await store.set(k('was-ttl'), 'b', { ttlMs: TTL_MS });
          await store.set(k('was-ttl'), 'c');
          await sleep(TTL_MS + SLACK_MS);
          assert.equal(await store.get(k('forever')), 'a');
          assert.equal(await store.get(k('was-ttl')), 'c');
        },
      );

      it('a set with a new ttlMs replaces the old expiry', async (store, k) => {
        await store.set(k('lease'), 'one', { ttlMs: 60_000 });
        await store.set(k('lease'), 'two', { ttlMs: TTL_MS });
        await sleep(TTL_MS + SLACK_MS);
        assert.equal(await store.get(k('lease')), null);
      });

      it('onlyIfAbsent stores on a missing key and refuses on a live one', async (store, k) => {
        assert.equal(await store.set(k('lock'), 'first', { onlyIfAbsent: true }), true);
        assert.equal(await store.set(k('lock'), 'second', { onlyIfAbsent: true }), false);
        assert.equal(await store.get(k('lock')), 'first');
      });

      it(
        'onlyIfAbsent refuses while a TTL key lives and stores once it expired',
        async (store, k) => {
          assert.equal(
            await store.set(k('lock'), 'first', { ttlMs: TTL_MS, onlyIfAbsent: true }),
            true,
          );
          assert.equal(
            await store.set(k('lock'), 'second', { ttlMs: TTL_MS, onlyIfAbsent: true }),
            false,
          );
          assert.equal(await store.get(k('lock')), 'first');
          await sleep(TTL_MS + SLACK_MS);
          assert.equal(await store.set(k('lock'), 'third', { onlyIfAbsent: true }), true);
          assert.equal(await store.get(k('lock')), 'third');
        },
      );

      it('onlyIfAbsent counts a set as present', async (store, k) => {
        await store.setAdd(k('members'), 'a');
        assert.equal(await store.set(k('members'), 'x', { onlyIfAbsent: true }), false);
        assert.deepEqual(await store.setMembers(k('members')), ['a']);
      });

      it('rejects a ttlMs that is not a finite number > 0', async (store, k) => {
        for (const ttlMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
          await assert.rejects(
            store.set(k('bad-ttl'), 'v', { ttlMs }),
            RangeError,
            `ttlMs ${ttlMs}`,
          );
        }
        assert.equal(await store.get(k('bad-ttl')), null);
      });

      it('rounds a fractional ttlMs up instead of rejecting it', async (store, k) => {
        assert.equal(await store.set(k('fraction'), 'v', { ttlMs: TTL_MS + 0.5 }), true);
        assert.equal(await store.get(k('fraction')), 'v');
        await sleep(TTL_MS + SLACK_MS);
        assert.equal(await store.get(k('fraction')), null);
      });
    });

    describe('del', { concurrency: true }, () => {
      it('removes several keys of both kinds and ignores missing ones', async (store, k) => {
        await store.set(k('a'), '1');
        await store.set(k('b'), '2', { ttlMs: 60_000 });
        await store.setAdd(k('c'), 'member');
        await store.set(k('keep'), '3');
        await store.del(k('a'), k('b'), k('c'), k('never-existed'));
        assert.equal(await store.get(k('a')), null);
        assert.equal(await store.get(k('b')), null);
        assert.deepEqual(await store.setMembers(k('c')), []);
        assert.equal(await store.get(k('keep')), '3');
      });

      it('accepts no keys at all', async (store) => {
        await store.del();
      });

      it('lets onlyIfAbsent store again after a delete', async (store, k) => {
        await store.set(k('lock'), 'held');
        await store.del(k('lock'));
        assert.equal(await store.set(k('lock'), 'again', { onlyIfAbsent: true }), true);
      });
    });

    describe('incrWithin', { concurrency: true }, () => {
      it('counts up within the window and restarts after it', async (store, k) => {
        assert.equal(await store.incrWithin(k('hits'), TTL_MS), 1);
        assert.equal(await store.incrWithin(k('hits'), TTL_MS), 2);
        assert.equal(await store.incrWithin(k('hits'), TTL_MS), 3);
        assert.equal(await store.get(k('hits')), '3');
        await sleep(TTL_MS + SLACK_MS);
        assert.equal(await store.get(k('hits')), null);
        assert.equal(await store.incrWithin(k('hits'), TTL_MS), 1);
      });

      it('later increments keep the first expiry (fixed window, not sliding)', async (store, k) => {
        const windowMs = TTL_MS + 200;
        assert.equal(await store.incrWithin(k('hits'), windowMs), 1);
        await sleep(windowMs / 2);
        // A later call with a long ttlMs must not move the window's end either.
        assert.equal(await store.incrWithin(k('hits'), 60_000), 2);
        await sleep(windowMs / 2 + SLACK_MS);
        assert.equal(await store.incrWithin(k('hits'), windowMs), 1);
      });

      it('keeps separate counters per key', async (store, k) => {
        await store.incrWithin(k('a'), 60_000);
        await store.incrWithin(k('a'), 60_000);
        assert.equal(await store.incrWithin(k('b'), 60_000), 1);
        assert.equal(await store.incrWithin(k('a'), 60_000), 3);
      });

      it('counts every one of many concurrent increments exactly once', async (store, k) => {
        const results = await Promise.all(
          Array.from({ length: 25 }, () => store.incrWithin(k('burst'), 60_000)),
        );
        assert.deepEqual(
          [...results].sort((x, y) => x - y),
          Array.from({ length: 25 }, (_, i) => i + 1),
        );
      });

      it('continues a counter that set wrote, and gives it an expiry', async (store, k) => {
        await store.set(k('hits'), '41');
        assert.equal(await store.incrWithin(k('hits'), TTL_MS), 42);
        await sleep(TTL_MS + SLACK_MS);
        assert.equal(await store.get(k('hits')), null);
      });

      it('rejects on a value that is not an integer and leaves it alone', async (store, k) => {
        await store.set(k('text'), 'not a number');
        await assert.rejects(store.incrWithin(k('text'), 60_000));
        assert.equal(await store.get(k('text')), 'not a number');
      });

      it('rejects a ttlMs that is not a finite number > 0', async (store, k) => {
        await assert.rejects(store.incrWithin(k('hits'), 0), RangeError);
        await assert.rejects(store.incrWithin(k('hits'), -5), RangeError);
        assert.equal(await store.get(k('hits')), null);
      });
    });

    describe('sets', { concurrency: true }, () => {
      it('returns [] for a missing set', async (store, k) => {
        assert.deepEqual(await store.setMembers(k('none')), []);
      });

      it('adds members once and lists them sorted', async (store, k) => {
        for (const member of ['encoder-c', 'encoder-a', 'encoder-b', 'encoder-a']) {
          await store.setAdd(k('encoders'), member);
        }
        assert.deepEqual(await store.setMembers(k('encoders')), [
          'encoder-a',
          'encoder-b',
          'encoder-c',
        ]);
      });

      it('sorts by code unit like Array.prototype.sort', async (store, k) => {
        const members = ['b', 'B', 'a', '10', '9', 'é', '🎤', ''];
        for (const member of members) await store.setAdd(k('mixed'), member);
        assert.deepEqual(await store.setMembers(k('mixed')), [...members].sort());
      });

      it('removes members, ignores absent ones, and an emptied set is gone', async (store, k) => {
        await store.setAdd(k('rooms'), 'main-hall');
        await store.setAdd(k('rooms'), 'workshop');
        await store.setRemove(k('rooms'), 'not-there');
        await store.setRemove(k('rooms'), 'main-hall');
        assert.deepEqual(await store.setMembers(k('rooms')), ['workshop']);
        await store.setRemove(k('rooms'), 'workshop');
        assert.deepEqual(await store.setMembers(k('rooms')), []);
        await store.setRemove(k('never-existed'), 'x');
        // The emptied set no longer blocks onlyIfAbsent.
        assert.equal(await store.set(k('rooms'), 'v', { onlyIfAbsent: true }), true);
      });

      it('keeps separate sets per key', async (store, k) => {
        await store.setAdd(k('one'), 'x');
        await store.setAdd(k('two'), 'y');
        assert.deepEqual(await store.setMembers(k('one')), ['x']);
        assert.deepEqual(await store.setMembers(k('two')), ['y']);
      });

      it('lists every member added concurrently', async (store, k) => {
        const members = Array.from(
          { length: 20 },
          (_, i) => `viewer-${String(i).padStart(2, '0')}`,
        );
        await Promise.all(members.map((member) => store.setAdd(k('viewers'), member)));
        assert.deepEqual(await store.setMembers(k('viewers')), members);
      });
    });

    describe('kinds of keys', { concurrency: true }, () => {
      it('rejects using a string key as a set and a set key as a string', async (store, k) => {
        await store.set(k('text'), 'v');
        await assert.rejects(store.setAdd(k('text'), 'm'));
        await assert.rejects(store.setMembers(k('text')));
        await store.setAdd(k('set'), 'm');
        await assert.rejects(store.get(k('set')));
        await assert.rejects(store.incrWithin(k('set'), 60_000));
        assert.equal(await store.get(k('text')), 'v');
        assert.deepEqual(await store.setMembers(k('set')), ['m']);
      });

      it('lets set replace a set with a string', async (store, k) => {
        await store.setAdd(k('key'), 'm');
        assert.equal(await store.set(k('key'), 'now a string'), true);
        assert.equal(await store.get(k('key')), 'now a string');
      });
    });

    describe('close', { concurrency: true }, () => {
      it('is safe to call twice and makes later calls reject', async (store, k) => {
        await store.close();
        await store.close();
        await assert.rejects(store.get(k('any')));
        await assert.rejects(store.set(k('any'), 'v'));
        await assert.rejects(store.incrWithin(k('any'), 1000));
        await assert.rejects(store.setMembers(k('any')));
      });
    });
  });
}
