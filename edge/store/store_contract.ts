// The one contract every LiveStore adapter passes. It uses short real TTLs and waits
// (never an injected clock) so the very same tests run against a real Redis.
// Each test gets a fresh store from `setup` and its own key prefix, so tests sharing one
// Redis never see each other's keys.
import { describe, it as nodeIt } from 'node:test';
import assert from 'node:assert/strict';
import { compareStreamIds, type LiveStore, type StreamEntry } from './store.ts';

export type StoreSetup = () => Promise<{ store: LiveStore; cleanup?: () => Promise<void> }>;

// Long enough that a few round trips through an HTTP bridge fit well inside one TTL even on
// a loaded 2-core CI machine (round trips of 0.75 s were seen while the media end-to-end
// tests ran beside this suite), short enough that the suite stays quick: the TTL tests run
// concurrently. SLACK covers timer and expiry jitter.
const TTL_MS = 3000;
const SLACK_MS = 1000;

// `streamAppend` keeps "about" maxLength entries: Redis's `MAXLEN ~` drops only whole
// internal nodes of up to 100 entries (stream-node-max-entries), the memory store trims
// exactly. The contract allows up to this many extra and asserts the newest are kept.
const TRIM_SLACK = 100;

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

/** Values per stream, in the order read; the contract orders entries only within one. */
const valuesByKey = (entries: readonly StreamEntry[]): Record<string, string[]> => {
  const byKey: Record<string, string[]> = {};
  for (const { key, value } of entries) (byKey[key] ??= []).push(value);
  return byKey;
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

    describe('streams', { concurrency: true }, () => {
      const LIMITS = { maxLength: 1000, ttlMs: 60_000 };

      it('reads a missing stream as empty, and its last id as 0-0', async (store, k) => {
        assert.deepEqual(await store.streamRead([{ key: k('none'), afterId: '0-0' }], 10), []);
        assert.equal(await store.streamLastId(k('none')), '0-0');
        assert.deepEqual(await store.streamRead([], 10), []);
      });

      it('appends and reads back in order, each id greater than the last', async (store, k) => {
        const ids: string[] = [];
        for (const value of ['one', 'two', 'three']) {
          ids.push(await store.streamAppend(k('chat'), value, LIMITS));
        }
        for (const id of ids) assert.match(id, /^\d+-\d+$/);
        assert.ok(compareStreamIds(ids[0]!, '0-0') > 0, ids[0]);
        assert.ok(compareStreamIds(ids[1]!, ids[0]!) > 0, `${ids[1]} after ${ids[0]}`);
        assert.ok(compareStreamIds(ids[2]!, ids[1]!) > 0, `${ids[2]} after ${ids[1]}`);
        assert.deepEqual(await store.streamRead([{ key: k('chat'), afterId: '0-0' }], 10), [
          { key: k('chat'), id: ids[0], value: 'one' },
          { key: k('chat'), id: ids[1], value: 'two' },
          { key: k('chat'), id: ids[2], value: 'three' },
        ]);
        assert.equal(await store.streamLastId(k('chat')), ids[2]);
      });

      it('keeps ids growing over a burst of appends within one millisecond', async (store, k) => {
        let last = '0-0';
        for (let i = 0; i < 50; i++) {
          const id = await store.streamAppend(k('burst'), `m${i}`, LIMITS);
          assert.ok(compareStreamIds(id, last) > 0, `${id} after ${last}`);
          last = id;
        }
        const read = await store.streamRead([{ key: k('burst'), afterId: '0-0' }], 100);
        assert.deepEqual(
          read.map((entry) => entry.value),
          Array.from({ length: 50 }, (_, i) => `m${i}`),
        );
      });

      it('round-trips awkward values and keys', async (store, k) => {
        const key = k('ключ 🔑\nline');
        const values = Object.values(AWKWARD_VALUES);
        for (const value of values) await store.streamAppend(key, value, LIMITS);
        const read = await store.streamRead([{ key, afterId: '0-0' }], 100);
        assert.deepEqual(read.map((entry) => entry.key), values.map(() => key));
        assert.deepEqual(read.map((entry) => entry.value), values);
      });

      it('reads only entries after afterId', async (store, k) => {
        const ids: string[] = [];
        for (const value of ['a', 'b', 'c']) {
          ids.push(await store.streamAppend(k('chat'), value, LIMITS));
        }
        const after = async (afterId: string) =>
          (await store.streamRead([{ key: k('chat'), afterId }], 10)).map((entry) => entry.value);
        assert.deepEqual(await after(ids[0]!), ['b', 'c']);
        assert.deepEqual(await after(ids[1]!), ['c']);
        assert.deepEqual(await after(ids[2]!), []);
        // An id between two entries, or past the newest, is a valid cursor too.
        const [ms, seq] = ids[2]!.split('-').map(Number) as [number, number];
        assert.deepEqual(await after(`${ms}-${seq + 1}`), []);
        assert.deepEqual(await after(`${ms + 60_000}-0`), []);
        assert.deepEqual(await after('1-0'), ['a', 'b', 'c']);
      });

      it('reads at most count entries, oldest first, and goes on from there', async (store, k) => {
        for (let i = 1; i <= 5; i++) await store.streamAppend(k('chat'), `m${i}`, LIMITS);
        const first = await store.streamRead([{ key: k('chat'), afterId: '0-0' }], 2);
        assert.deepEqual(first.map((entry) => entry.value), ['m1', 'm2']);
        const second = await store.streamRead([{ key: k('chat'), afterId: first[1]!.id }], 2);
        assert.deepEqual(second.map((entry) => entry.value), ['m3', 'm4']);
        const third = await store.streamRead([{ key: k('chat'), afterId: second[1]!.id }], 2);
        assert.deepEqual(third.map((entry) => entry.value), ['m5']);
      });

      it('reads several streams in one call, each from its own cursor', async (store, k) => {
        const a1 = await store.streamAppend(k('a'), 'a1', LIMITS);
        await store.streamAppend(k('a'), 'a2', LIMITS);
        await store.streamAppend(k('a'), 'a3', LIMITS);
        await store.streamAppend(k('b'), 'b1', LIMITS);
        await store.streamAppend(k('b'), 'b2', LIMITS);
        await store.streamAppend(k('b'), 'b3', LIMITS);
        const cursors = [
          { key: k('a'), afterId: a1 },
          { key: k('missing'), afterId: '0-0' },
          { key: k('b'), afterId: '0-0' },
          { key: k('c'), afterId: '0-0' },
        ];
        await store.streamAppend(k('c'), 'c1', LIMITS);
        assert.deepEqual(valuesByKey(await store.streamRead(cursors, 10)), {
          [k('a')]: ['a2', 'a3'],
          [k('b')]: ['b1', 'b2', 'b3'],
          [k('c')]: ['c1'],
        });
        // count holds per stream, not for the whole read.
        assert.deepEqual(valuesByKey(await store.streamRead(cursors, 1)), {
          [k('a')]: ['a2'],
          [k('b')]: ['b1'],
          [k('c')]: ['c1'],
        });
      });

      it('keeps about the newest maxLength entries', async (store, k) => {
        const total = 5 + TRIM_SLACK * 2;
        const ids: string[] = [];
        for (let i = 0; i < total; i++) {
          ids.push(await store.streamAppend(k('chat'), `m${i}`, { maxLength: 5, ttlMs: 60_000 }));
        }
        const read = await store.streamRead([{ key: k('chat'), afterId: '0-0' }], total);
        assert.ok(
          read.length >= 5 && read.length <= 5 + TRIM_SLACK,
          `kept ${read.length} of ${total}`,
        );
        // What is kept is the newest, in order, ending with the last append.
        const newest = ids.slice(-read.length);
        assert.deepEqual(read.map((entry) => entry.id), newest);
        assert.deepEqual(
          read.map((entry) => entry.value),
          newest.map((_, i) => `m${total - read.length + i}`),
        );
        assert.equal(await store.streamLastId(k('chat')), ids[total - 1]);
        // Trimmed or not, the next id still grows.
        const next = await store.streamAppend(k('chat'), 'next', { maxLength: 5, ttlMs: 60_000 });
        assert.ok(compareStreamIds(next, ids[total - 1]!) > 0);
      });

      it('expires a stream ttlMs after its last append, not its first', async (store, k) => {
        const limits = { maxLength: 10, ttlMs: TTL_MS };
        await store.streamAppend(k('chat'), 'first', limits);
        await sleep(TTL_MS / 2);
        await store.streamAppend(k('chat'), 'second', limits);
        // Past the first append's expiry, well inside the second one's.
        await sleep(TTL_MS / 2 + SLACK_MS / 2);
        const read = await store.streamRead([{ key: k('chat'), afterId: '0-0' }], 10);
        assert.deepEqual(read.map((entry) => entry.value), ['first', 'second']);
        // Now past the second append's expiry, with the same slack as the other TTL tests.
        await sleep(TTL_MS / 2 + SLACK_MS / 2);
        assert.deepEqual(await store.streamRead([{ key: k('chat'), afterId: '0-0' }], 10), []);
        assert.equal(await store.streamLastId(k('chat')), '0-0');
      });

      it('removes a stream with del, and set replaces it', async (store, k) => {
        await store.streamAppend(k('gone'), 'x', LIMITS);
        await store.streamAppend(k('replaced'), 'x', LIMITS);
        await store.del(k('gone'));
        assert.equal(await store.streamLastId(k('gone')), '0-0');
        assert.equal(await store.set(k('replaced'), 'now a string'), true);
        assert.equal(await store.get(k('replaced')), 'now a string');
      });

      it('rejects using a stream as a string or set, and the other way round', async (store, k) => {
        const wrongType = /WRONGTYPE/;
        await store.streamAppend(k('stream'), 'kept', LIMITS);
        await assert.rejects(store.get(k('stream')), wrongType);
        await assert.rejects(store.incrWithin(k('stream'), 60_000), wrongType);
        await assert.rejects(store.setAdd(k('stream'), 'm'), wrongType);
        await assert.rejects(store.setMembers(k('stream')), wrongType);
        await store.set(k('text'), 'v');
        await store.setAdd(k('set'), 'm');
        for (const key of [k('text'), k('set')]) {
          await assert.rejects(store.streamAppend(key, 'x', LIMITS), wrongType);
          await assert.rejects(store.streamRead([{ key, afterId: '0-0' }], 10), wrongType);
          await assert.rejects(store.streamLastId(key), wrongType);
        }
        assert.equal(await store.get(k('text')), 'v');
        assert.deepEqual(await store.setMembers(k('set')), ['m']);
        const read = await store.streamRead([{ key: k('stream'), afterId: '0-0' }], 10);
        assert.deepEqual(read.map((entry) => entry.value), ['kept']);
      });

      it('rejects bad arguments with a RangeError and appends nothing', async (store, k) => {
        for (const maxLength of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
          await assert.rejects(
            store.streamAppend(k('chat'), 'v', { maxLength, ttlMs: 60_000 }),
            RangeError,
            `maxLength ${maxLength}`,
          );
        }
        for (const ttlMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
          await assert.rejects(
            store.streamAppend(k('chat'), 'v', { maxLength: 10, ttlMs }),
            RangeError,
            `ttlMs ${ttlMs}`,
          );
        }
        assert.equal(await store.streamLastId(k('chat')), '0-0');
        for (const count of [0, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
          await assert.rejects(
            store.streamRead([{ key: k('chat'), afterId: '0-0' }], count),
            RangeError,
            `count ${count}`,
          );
        }
        // Redis would take '0', '$' or '+' here; the contract wants a real id.
        for (const afterId of ['', '0', '$', '+', '-', '1-', '-1-0', '1-2-3', ' 1-0', 'x-y']) {
          await assert.rejects(
            store.streamRead([{ key: k('chat'), afterId }], 10),
            RangeError,
            `afterId '${afterId}'`,
          );
        }
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
        await assert.rejects(store.streamAppend(k('any'), 'v', { maxLength: 10, ttlMs: 1000 }));
        await assert.rejects(store.streamRead([{ key: k('any'), afterId: '0-0' }], 10));
        await assert.rejects(store.streamRead([], 10));
        await assert.rejects(store.streamLastId(k('any')));
      });
    });
  });
}
