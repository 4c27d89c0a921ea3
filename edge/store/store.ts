// Live state of the edge: node liveness with a TTL, live-room state, rate-limit counters.
// Small on purpose: every adapter (in-memory for one box, Upstash Redis for many edges)
// must pass the same contract suite (`store_contract.ts`), so the edge never depends on
// anything one of them does better than the other.
//
// Shared rules every adapter follows (the contract suite checks them):
// * `ttlMs` must be a finite number > 0 (fractions round up to whole milliseconds);
//   anything else rejects with a RangeError before the store is touched.
// * A key holds either a string (values and counters) or a set; using it as the other
//   kind rejects, as Redis does with WRONGTYPE.
// * Calls that are not awaited one after the other may reach the backend in any order
//   (the Upstash client batches reads and writes into separate requests).
// * After `close()` every call rejects.

export interface StreamCursor {
  key: string;
  afterId: string;
}

export interface StreamEntry {
  key: string;
  id: string;
  value: string;
}

export interface LiveStore {
  /** The value, or null when missing or expired. */
  get(key: string): Promise<string | null>;
  /**
   * Stores a value. `ttlMs` makes it expire; without it the value lives until deleted,
   * even if the key had an expiry before. `onlyIfAbsent` stores only when the key is
   * missing (or expired). Returns whether the value was stored.
   */
  set(
    key: string,
    value: string,
    options?: { ttlMs?: number; onlyIfAbsent?: boolean },
  ): Promise<boolean>;
  /** Removes keys; missing keys are ignored. */
  del(...keys: string[]): Promise<void>;
  /**
   * Adds one to a counter and returns the new count. The first increment of a counter
   * that does not exist starts its `ttlMs` window; later increments keep that expiry
   * (a fixed-window rate limit). Rejects when the key holds a value that is not an
   * integer.
   */
  incrWithin(key: string, ttlMs: number): Promise<number>;
  /** Adds a member to a set (no-op if present). */
  setAdd(key: string, member: string): Promise<void>;
  /** Removes a member from a set (no-op if absent); an emptied set no longer exists. */
  setRemove(key: string, member: string): Promise<void>;
  /** All members of a set, sorted ascending, [] when the set does not exist. */
  setMembers(key: string): Promise<string[]>;
  /**
   * Appends `value` to the stream `key` and returns the new entry's id. Ids grow within a
   * stream (`<ms>-<seq>`, compared by `compareStreamIds`), also across a restart of the
   * backend, as long as the clock does not go back. Only about the newest `maxLength`
   * entries are kept; `ttlMs` makes the whole stream expire that long after its last append.
   */
  streamAppend(
    key: string,
    value: string,
    options: { maxLength: number; ttlMs: number },
  ): Promise<string>;
  /**
   * Entries newer than each cursor's `afterId`, oldest first within a stream, at most
   * `count` per stream; never blocks (nothing new = []). `afterId` '0-0' reads from the
   * start; a stream that does not exist reads as empty.
   */
  streamRead(cursors: readonly StreamCursor[], count: number): Promise<StreamEntry[]>;
  /** The id of the newest entry of a stream, '0-0' when it has none or does not exist. */
  streamLastId(key: string): Promise<string>;
  /** Releases connections/timers. Safe to call twice. */
  close(): Promise<void>;
}

/** Validates a TTL as every adapter must, and rounds it up to whole milliseconds. */
export function checkTtl(ttlMs: number): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a finite number > 0, got ${String(ttlMs)}`);
  }
  return Math.ceil(ttlMs);
}

/** Orders two stream ids (`<ms>-<seq>`) as Redis does: negative, zero or positive. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = splitStreamId(a);
  const [bMs, bSeq] = splitStreamId(b);
  return aMs === bMs ? Math.sign(aSeq - bSeq) : Math.sign(aMs - bMs);
}

function splitStreamId(id: string): [number, number] {
  const match = /^(\d+)-(\d+)$/.exec(id);
  if (!match) throw new RangeError(`not a stream id: '${id.slice(0, 40)}'`);
  return [Number(match[1]), Number(match[2])];
}

/** Validates a count or length as every adapter must: a whole number of at least 1. */
export function checkWhole(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a whole number >= 1, got ${String(value)}`);
  }
}

/** Throws the RangeError of `compareStreamIds` when `id` is not `<ms>-<seq>`. */
export function checkStreamId(id: string): void {
  if (typeof id !== 'string') throw new RangeError(`not a stream id: ${String(id)}`);
  compareStreamIds(id, id);
}
