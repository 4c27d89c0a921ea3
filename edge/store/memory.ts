// The embedded live store: one Map in this process, for a single edge on one box.
// Runtime-neutral (no node:* imports) so the edge runs it unchanged on Deno and Node.
// It mirrors what the Redis adapter does (string vs set keys, counters stored as text,
// an emptied set disappears, stream ids like XADD's) so code tested against it behaves
// the same on Redis.
import {
  checkStreamId,
  checkTtl,
  checkWhole,
  compareStreamIds,
  type LiveStore,
  type StreamEntry,
} from './store.ts';

export interface MemoryStoreOptions {
  /** Clock in milliseconds; injectable so tests can move time without waiting. */
  now?: () => number;
  /**
   * How often (by the store's clock) a call also sweeps every expired entry. Expiry is
   * lazy otherwise, and keys that are never read again would stay in memory forever.
   */
  sweepIntervalMs?: number;
}

/** A LiveStore that can also say how many entries it holds (expired ones included). */
export interface MemoryStore extends LiveStore {
  entryCount(): number;
}

type Entry =
  | { kind: 'string'; value: string; expiresAt: number | null }
  | { kind: 'set'; members: Set<string> }
  | StreamData;

interface StreamData {
  kind: 'stream';
  /** Oldest first; ids strictly increasing. */
  items: { id: string; value: string }[];
  // The last id handed out, kept apart from `items` as Redis keeps it: ids must keep
  // growing whatever trimming removed.
  lastMs: number;
  lastSeq: number;
  expiresAt: number;
}

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const now = options.now ?? (() => Date.now());
  const sweepIntervalMs = options.sweepIntervalMs ?? 10_000;
  const entries = new Map<string, Entry>();
  let closed = false;
  // Sweeping is driven by calls, not a timer: nothing keeps a process alive, nothing
  // needs clearing on Deno Deploy, and a store nobody calls has nothing new to expire.
  let nextSweepAt = now() + sweepIntervalMs;

  const isExpired = (entry: Entry, at: number) =>
    entry.kind !== 'set' && entry.expiresAt !== null && entry.expiresAt <= at;

  /** Checks the store is open, sweeps when due, and returns the time of this call. */
  const begin = (): number => {
    if (closed) throw new Error('live store is closed');
    const at = now();
    if (at >= nextSweepAt) {
      for (const [key, entry] of entries) if (isExpired(entry, at)) entries.delete(key);
      nextSweepAt = at + sweepIntervalMs;
    }
    return at;
  };

  /** The live entry under `key`, dropping it when it has expired. */
  const live = (key: string, at: number): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && isExpired(entry, at)) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  // Every method settles asynchronously, so a validation error or WRONGTYPE is a
  // rejection, as with the Redis adapter, never a synchronous throw.
  return {
    get: settle((key) => {
      const entry = live(key, begin());
      if (!entry) return null;
      if (entry.kind !== 'string') throw new Error(WRONGTYPE);
      return entry.value;
    }),

    set: settle((key, value, setOptions = {}) => {
      const ttl = setOptions.ttlMs === undefined ? null : checkTtl(setOptions.ttlMs);
      const at = begin();
      if (setOptions.onlyIfAbsent && live(key, at)) return false;
      // Like Redis SET: replaces any kind of value and drops an earlier expiry.
      entries.set(key, { kind: 'string', value, expiresAt: ttl === null ? null : at + ttl });
      return true;
    }),

    del: settle((...keys) => {
      begin();
      for (const key of keys) entries.delete(key);
    }),

    incrWithin: settle((key, ttlMs) => {
      const ttl = checkTtl(ttlMs);
      const at = begin();
      const entry = live(key, at);
      if (!entry) {
        entries.set(key, { kind: 'string', value: '1', expiresAt: at + ttl });
        return 1;
      }
      if (entry.kind !== 'string') throw new Error(WRONGTYPE);
      if (!/^-?\d+$/.test(entry.value)) {
        throw new Error('ERR value is not an integer or out of range');
      }
      const count = Number(entry.value) + 1;
      if (!Number.isSafeInteger(count)) {
        throw new Error('ERR increment or decrement would overflow');
      }
      entry.value = String(count);
      // A counter written by `set` without a TTL gets one here, as the Redis script does,
      // so a rate-limit key can never become permanent.
      if (entry.expiresAt === null) entry.expiresAt = at + ttl;
      return count;
    }),

    setAdd: settle((key, member) => {
      const entry = live(key, begin());
      if (!entry) entries.set(key, { kind: 'set', members: new Set([member]) });
      else if (entry.kind !== 'set') throw new Error(WRONGTYPE);
      else entry.members.add(member);
    }),

    setRemove: settle((key, member) => {
      const entry = live(key, begin());
      if (!entry) return;
      if (entry.kind !== 'set') throw new Error(WRONGTYPE);
      entry.members.delete(member);
      if (entry.members.size === 0) entries.delete(key);
    }),

    setMembers: settle((key) => {
      const entry = live(key, begin());
      if (!entry) return [];
      if (entry.kind !== 'set') throw new Error(WRONGTYPE);
      return [...entry.members].sort();
    }),

    streamAppend: settle((key, value, { maxLength, ttlMs }) => {
      checkWhole('maxLength', maxLength);
      const ttl = checkTtl(ttlMs);
      const at = begin();
      const entry = live(key, at);
      if (entry && entry.kind !== 'stream') throw new Error(WRONGTYPE);
      // A new stream starts from 0-0, as in Redis: the first id is then `<ms>-0` (`0-1` at
      // ms 0, since 0-0 itself is never an entry's id).
      const stream: StreamData = entry ??
        { kind: 'stream', items: [], lastMs: 0, lastSeq: 0, expiresAt: at + ttl };
      // Redis's XADD *: the clock's ms if it moved past the last id, else the last id's ms
      // with the next seq, so ids grow even when the clock stands still or steps back.
      const ms = Math.floor(at);
      if (ms > stream.lastMs) {
        stream.lastMs = ms;
        stream.lastSeq = 0;
      } else {
        stream.lastSeq += 1;
      }
      const id = `${stream.lastMs}-${stream.lastSeq}`;
      stream.items.push({ id, value });
      if (stream.items.length > maxLength) {
        stream.items.splice(0, stream.items.length - maxLength);
      }
      stream.expiresAt = at + ttl;
      entries.set(key, stream);
      return id;
    }),

    streamRead: settle((cursors, count) => {
      checkWhole('count', count);
      for (const cursor of cursors) checkStreamId(cursor.afterId);
      const at = begin();
      const read: StreamEntry[] = [];
      for (const { key, afterId } of cursors) {
        const entry = live(key, at);
        if (!entry) continue;
        if (entry.kind !== 'stream') throw new Error(WRONGTYPE);
        // Readers poll near the end, so look back from the newest entry.
        let first = entry.items.length;
        while (first > 0 && compareStreamIds(entry.items[first - 1]!.id, afterId) > 0) first--;
        for (const item of entry.items.slice(first, first + count)) {
          read.push({ key, id: item.id, value: item.value });
        }
      }
      return read;
    }),

    streamLastId: settle((key) => {
      const entry = live(key, begin());
      if (!entry) return '0-0';
      if (entry.kind !== 'stream') throw new Error(WRONGTYPE);
      return entry.items[entry.items.length - 1]?.id ?? '0-0';
    }),

    close: settle(() => {
      closed = true;
      entries.clear();
    }),

    entryCount: () => entries.size,
  };
}

/** Runs `fn` now and returns its outcome as a promise: a throw becomes a rejection. */
function settle<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => Promise<R> {
  return (...args) => {
    try {
      return Promise.resolve(fn(...args));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}
