// Live state of the edge: node liveness with a TTL, live-room state, rate-limit counters.
// Small on purpose: every adapter (in-memory for one box, Upstash Redis for many edges)
// must pass the same contract suite (`store_contract.ts`), so the edge never depends on
// anything one of them does better than the other.

export interface LiveStore {
  /** The value, or null when missing or expired. */
  get(key: string): Promise<string | null>;
  /**
   * Stores a value. `ttlMs` makes it expire; `onlyIfAbsent` stores only when the key is
   * missing (or expired). Returns whether the value was stored.
   */
  set(key: string, value: string, options?: { ttlMs?: number; onlyIfAbsent?: boolean }): Promise<boolean>;
  /** Removes keys; missing keys are ignored. */
  del(...keys: string[]): Promise<void>;
  /**
   * Adds one to a counter and returns the new count. The first increment of a counter
   * that does not exist starts its `ttlMs` window; later increments keep that expiry
   * (a fixed-window rate limit).
   */
  incrWithin(key: string, ttlMs: number): Promise<number>;
  /** Adds a member to a set (no-op if present). */
  setAdd(key: string, member: string): Promise<void>;
  /** Removes a member from a set (no-op if absent). */
  setRemove(key: string, member: string): Promise<void>;
  /** All members of a set, sorted ascending, [] when the set does not exist. */
  setMembers(key: string): Promise<string[]>;
  /** Releases connections/timers. Safe to call twice. */
  close(): Promise<void>;
}
