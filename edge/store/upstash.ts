// The live store on Redis through the Upstash REST API (Upstash itself, or the roomcast
// Redis bridge in front of a self-hosted Redis). Runtime-neutral: @upstash/redis speaks
// fetch, so this runs unchanged on Deno Deploy and Node.
import { Redis } from '@upstash/redis';
import { checkStreamId, checkTtl, checkWhole, type LiveStore, type StreamEntry } from './store.ts';

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

// XADD and the stream's PEXPIRE in one atomic step, for the same reason: a stream that
// missed its expiry would never go away. `MAXLEN ~` lets Redis trim whole internal nodes
// only (cheap), so a stream keeps between maxLength and maxLength + stream-node-max-entries
// (100 by default) entries. Each entry holds the value under the one field STREAM_FIELD.
const STREAM_FIELD = 'v';
const STREAM_APPEND = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', '${STREAM_FIELD}', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return id
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

    async streamAppend(key, value, { maxLength, ttlMs }) {
      checkWhole('maxLength', maxLength);
      const ttl = checkTtl(ttlMs);
      return await call('streamAppend', async () => {
        const id = await redis.eval<[string, string, string], unknown>(
          STREAM_APPEND,
          [key],
          [String(maxLength), value, String(ttl)],
        );
        if (typeof id !== 'string') throw new Error('unexpected reply to XADD');
        return id;
      });
    },

    async streamRead(cursors, count) {
      checkWhole('count', count);
      for (const cursor of cursors) checkStreamId(cursor.afterId);
      return await call('streamRead', async () => {
        // XREAD without keys is a syntax error in Redis; nothing to read is simply [].
        if (cursors.length === 0) return [];
        // Never BLOCK: the bridge refuses it, and edges poll instead.
        const reply = await redis.xread(
          cursors.map((cursor) => cursor.key),
          cursors.map((cursor) => cursor.afterId),
          { count },
        );
        return parseXRead(reply);
      });
    },

    streamLastId: (key) =>
      call('streamLastId', async () => {
        const reply: unknown = await redis.xrevrange(key, '+', '-', 1);
        const entries = parseEntries(reply);
        return entries[entries.length - 1]?.id ?? '0-0';
      }),

    close() {
      // The client holds no connection of its own (fetch pools them); just refuse
      // further calls, as the other adapters do.
      closed = true;
      return Promise.resolve();
    },
  };
}

// With automaticDeserialization off the client hands over Redis's reply as it is, its
// strings already base64-decoded (at every depth):
//   XREAD     → [[key, [[id, [field, value, …]], …]], …], or null when nothing is new
//               (streams without new entries are left out);
//   XREVRANGE → [[id, [field, value, …]], …], [] for a missing stream.
// Anything else is a broken reply, and fails the call rather than losing entries.
// The messages name the shape only, never a key or value.

function parseXRead(reply: unknown): StreamEntry[] {
  if (reply === null) return [];
  if (!Array.isArray(reply)) throw new Error('unexpected reply to XREAD');
  const read: StreamEntry[] = [];
  for (const stream of reply) {
    if (!Array.isArray(stream) || stream.length !== 2 || typeof stream[0] !== 'string') {
      throw new Error('unexpected stream in the reply to XREAD');
    }
    const key = stream[0];
    for (const { id, value } of parseEntries(stream[1])) read.push({ key, id, value });
  }
  return read;
}

function parseEntries(reply: unknown): { id: string; value: string }[] {
  if (!Array.isArray(reply)) throw new Error('unexpected list of stream entries');
  return reply.map((entry: unknown) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) {
      throw new Error('unexpected stream entry');
    }
    const fields: unknown[] = entry[1];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const value = fields[i + 1];
      if (fields[i] === STREAM_FIELD && typeof value === 'string') return { id: entry[0], value };
    }
    throw new Error(`stream entry without its '${STREAM_FIELD}' field`);
  });
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
