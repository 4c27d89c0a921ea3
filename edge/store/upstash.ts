// The live store on Redis through the Upstash REST API (Upstash itself, or the roomcast
// Redis bridge in front of a self-hosted Redis). Runtime-neutral: @upstash/redis speaks
// fetch, so this runs unchanged on Deno Deploy and Node.
import { Redis } from '@upstash/redis';
import { checkTtl, type LiveStore } from './store.ts';

export interface UpstashStoreOptions {
  /** The REST URL, e.g. `https://…upstash.io` or the bridge's `http://host:port`. */
  url: string;
  token: string;
}

// INCR and the window's PEXPIRE in one atomic step: a crash (or a lost HTTP response)
// between two separate commands could leave a counter that never expires, i.e. a
// client rate-limited forever. The PTTL check also repairs a counter that somehow has
// no expiry (say, written by `set`), as the memory store does.
const INCR_WITHIN = `
local count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count
`;

export function createUpstashStore(options: UpstashStoreOptions): LiveStore {
  let redis: Redis;
  try {
    redis = new Redis({
      url: options.url,
      token: options.token,
      // Values are opaque strings: the default would JSON.parse "123" into a number.
      automaticDeserialization: false,
      // No runtime/platform headers sent to the server.
      enableTelemetry: false,
    });
  } catch (error) {
    throw new Error(`cannot create the Upstash store: ${clean(error, options.token)}`);
  }
  let closed = false;

  /** Runs one call; errors come out with a message that holds neither token nor values. */
  const call = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    if (closed) throw new Error('live store is closed');
    try {
      return await run();
    } catch (error) {
      throw new Error(`live store ${operation} failed: ${clean(error, options.token)}`);
    }
  };

  return {
    get: (key) =>
      call('get', async () => {
        const value = await redis.get<string>(key);
        return value ?? null;
      }),

    async set(key, value, setOptions = {}) {
      const ttl = setOptions.ttlMs === undefined ? undefined : checkTtl(setOptions.ttlMs);
      return await call('set', async () => {
        // One SET … PX … NX command; with NX, Redis answers null when the key exists.
        const onlyIfAbsent = setOptions.onlyIfAbsent === true;
        const reply = ttl === undefined
          ? onlyIfAbsent ? await redis.set(key, value, { nx: true }) : await redis.set(key, value)
          : onlyIfAbsent
          ? await redis.set(key, value, { px: ttl, nx: true })
          : await redis.set(key, value, { px: ttl });
        return reply === 'OK';
      });
    },

    async del(...keys) {
      if (keys.length === 0) return;
      await call('del', () => redis.del(...keys));
    },

    async incrWithin(key, ttlMs) {
      const ttl = checkTtl(ttlMs);
      return await call('incrWithin', async () => {
        const count = await redis.eval<[string], number>(INCR_WITHIN, [key], [String(ttl)]);
        return Number(count);
      });
    },

    async setAdd(key, member) {
      await call('setAdd', () => redis.sadd(key, member));
    },

    async setRemove(key, member) {
      await call('setRemove', () => redis.srem(key, member));
    },

    setMembers: (key) =>
      call('setMembers', async () => {
        const members = await redis.smembers<string[]>(key);
        // Redis answers in no particular order; the contract promises sorted.
        return [...members].sort();
      }),

    close() {
      // The client holds no connection of its own (fetch pools them); just refuse
      // further calls, as the other adapters do.
      closed = true;
      return Promise.resolve();
    },
  };
}

/**
 * The client's HTTP errors end in `, command was: [...]` with every argument, which may
 * be a secret value; drop that, and the token too should it ever appear.
 */
function clean(error: unknown, token: string): string {
  const message = error instanceof Error ? error.message : String(error);
  let text = message.replace(/, command was: [\s\S]*$/, '');
  if (token) text = text.split(token).join('***');
  return text;
}
