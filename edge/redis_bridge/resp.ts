// A minimal RESP2 client for the Redis bridge: one TCP (or TLS) connection, commands
// pipelined on it, replies matched to callers in order. Node-only (node:net), which is
// fine: the bridge is a self-hosted Node process, never part of the Deno edge.
//
// Replies keep the distinctions the Upstash wire format needs: a simple string ("OK")
// is a JS string, a bulk string is the exact bytes (Uint8Array, so binary values and
// base64 encoding stay byte-exact), an error reply is a RespError *value* (inside a
// pipeline or an EXEC array an error is just one element, not a failure of the call).
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export class RespError extends Error {
  override name = 'RespError';
}

export type RespReply = string | number | Uint8Array | null | RespError | RespReply[];

/** What the bridge needs of a Redis client; tests can fake it with two functions. */
export interface RedisCommander {
  /** Sends one command; resolves with its reply (an error reply is a RespError value). */
  command(args: readonly string[]): Promise<RespReply>;
  /**
   * Sends several commands in one write, so no other caller's command can land between
   * them on the connection: MULTI … EXEC sent as one batch stays one transaction.
   */
  batch(commands: readonly (readonly string[])[]): Promise<RespReply[]>;
}

export interface RespClient extends RedisCommander {
  /** Fails pending commands and closes the connection; later calls reject. Idempotent. */
  close(): Promise<void>;
}

export interface RespClientOptions {
  connectTimeoutMs?: number;
  /**
   * A command without a reply after this long drops the connection (and every command
   * pending on it): replies are matched by order, so one lost reply poisons the rest.
   */
  commandTimeoutMs?: number;
}

export interface RedisTarget {
  host: string;
  port: number;
  tls: boolean;
  username?: string;
  password?: string;
  db?: number;
}

/**
 * Parses `redis://[[user]:password@]host[:port][/db]` (or `rediss://` for TLS). Errors
 * never repeat the URL, which may carry a password.
 */
export function parseRedisUrl(url: string): RedisTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      'the Redis URL is not a valid URL (expected redis://[:password@]host:port[/db])',
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(
      `the Redis URL must start with redis:// or rediss://, not ${parsed.protocol}//`,
    );
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new Error('the Redis URL has no host');
  const port = parsed.port ? Number(parsed.port) : 6379;
  const target: RedisTarget = { host, port, tls: parsed.protocol === 'rediss:' };
  if (parsed.username) target.username = decodeURIComponent(parsed.username);
  if (parsed.password) target.password = decodeURIComponent(parsed.password);
  const dbText = parsed.pathname.replace(/^\//, '');
  if (dbText) {
    if (!/^\d+$/.test(dbText)) throw new Error('the Redis URL path must be a database number');
    target.db = Number(dbText);
  }
  return target;
}

interface Pending {
  resolve(reply: RespReply): void;
  reject(error: Error): void;
}

interface Connection {
  socket: Socket;
  pending: Pending[];
  reader: ReplyReader;
  dead: boolean;
}

export function createRespClient(url: string, options: RespClientOptions = {}): RespClient {
  const target = parseRedisUrl(url);
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const commandTimeoutMs = options.commandTimeoutMs ?? 15_000;
  const where = `${target.host}:${target.port}`;
  let current: Connection | null = null;
  let closed = false;

  const fail = (conn: Connection, error: Error) => {
    if (current === conn) current = null;
    if (conn.dead) return;
    conn.dead = true;
    conn.socket.destroy();
    for (const waiting of conn.pending.splice(0)) waiting.reject(error);
  };

  // Connects lazily and again after a drop, so a Redis restart costs the commands that
  // were in flight, never the bridge process.
  const connection = (): Connection => {
    if (current) return current;
    const socket = target.tls
      ? tlsConnect({ host: target.host, port: target.port, servername: target.host })
      : netConnect({ host: target.host, port: target.port });
    const conn: Connection = { socket, pending: [], reader: createReplyReader(), dead: false };
    current = conn;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    const connectTimer = setTimeout(
      () =>
        fail(
          conn,
          new Error(`could not connect to Redis at ${where} within ${connectTimeoutMs} ms`),
        ),
      connectTimeoutMs,
    );
    socket.once(target.tls ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    socket.on('data', (chunk: Buffer) => {
      let replies: RespReply[];
      try {
        replies = conn.reader.push(chunk);
      } catch (error) {
        fail(
          conn,
          new Error(`Redis sent something that is not RESP2: ${(error as Error).message}`),
        );
        return;
      }
      for (const reply of replies) {
        if (conn.dead) return;
        const waiting = conn.pending.shift();
        if (!waiting) {
          fail(conn, new Error('Redis sent a reply nobody asked for'));
          return;
        }
        waiting.resolve(reply);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(connectTimer);
      fail(conn, new Error(`Redis connection to ${where} failed: ${error.message}`));
    });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      fail(conn, new Error(`Redis connection to ${where} closed`));
    });

    // Handshake replies go to internal callbacks queued ahead of any caller's command.
    const handshake: string[][] = [];
    if (target.password !== undefined) {
      handshake.push(
        target.username ? ['AUTH', target.username, target.password] : ['AUTH', target.password],
      );
    }
    if (target.db) handshake.push(['SELECT', String(target.db)]);
    for (const args of handshake) {
      conn.pending.push({
        resolve: (reply) => {
          // The message is Redis's own ("WRONGPASS …"), never the password we sent.
          if (reply instanceof RespError) {
            fail(conn, new Error(`Redis refused ${args[0]}: ${reply.message}`));
          }
        },
        reject: () => {},
      });
    }
    if (handshake.length > 0) socket.write(encodeCommands(handshake));
    return conn;
  };

  const send = (commands: readonly (readonly string[])[]): Promise<RespReply>[] => {
    if (closed) return commands.map(() => Promise.reject(new Error('the Redis client is closed')));
    const conn = connection();
    const replies = commands.map(
      () =>
        new Promise<RespReply>((resolve, reject) => {
          const timer = setTimeout(
            () =>
              fail(
                conn,
                new Error(`Redis at ${where} did not answer within ${commandTimeoutMs} ms`),
              ),
            commandTimeoutMs,
          );
          // The timer must never keep a process alive on its own.
          timer.unref?.();
          conn.pending.push({
            resolve: (reply) => {
              clearTimeout(timer);
              resolve(reply);
            },
            reject: (error) => {
              clearTimeout(timer);
              reject(error);
            },
          });
        }),
    );
    // One write for the whole batch: nothing else can be interleaved within it.
    conn.socket.write(encodeCommands(commands));
    return replies;
  };

  return {
    async command(args) {
      const [reply] = send([args]);
      return await reply!;
    },
    async batch(commands) {
      if (commands.length === 0) return [];
      return await Promise.all(send(commands));
    },
    async close() {
      closed = true;
      const conn = current;
      if (!conn) return;
      const gone = new Promise<void>((resolve) => {
        if (conn.socket.destroyed) resolve();
        else conn.socket.once('close', () => resolve());
      });
      fail(conn, new Error('the Redis client is closed'));
      await gone;
    },
  };
}

/** Encodes commands as RESP arrays of bulk strings, in one buffer. */
export function encodeCommands(commands: readonly (readonly string[])[]): Buffer {
  const parts: Buffer[] = [];
  for (const args of commands) {
    if (args.length === 0) throw new Error('a Redis command needs at least its name');
    parts.push(Buffer.from(`*${args.length}\r\n`));
    for (const arg of args) {
      const bytes = Buffer.from(arg, 'utf8');
      parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
    }
  }
  return Buffer.concat(parts);
}

const CRLF = Buffer.from('\r\n');

export interface ReplyReader {
  /** Takes the next chunk from the socket; returns every reply it completed. */
  push(chunk: Uint8Array): RespReply[];
}

/**
 * An incremental RESP2 parser. It remembers how many bytes the unfinished reply needs at
 * least, so a large bulk string arriving in many chunks is parsed once, not per chunk.
 */
export function createReplyReader(): ReplyReader {
  let chunks: Buffer[] = [];
  let buffered = 0;
  let needed = 1;
  return {
    push(chunk) {
      chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      buffered += chunk.byteLength;
      if (buffered < needed) return [];
      const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, buffered);
      const replies: RespReply[] = [];
      let offset = 0;
      needed = 1;
      while (offset < buffer.length) {
        const parsed = parseReply(buffer, offset);
        if ('need' in parsed) {
          needed = parsed.need - offset;
          break;
        }
        replies.push(parsed.value);
        offset = parsed.end;
      }
      // Copy the unfinished tail so the big buffer it came from can be collected.
      const rest = offset === 0 ? buffer : Buffer.from(buffer.subarray(offset));
      chunks = rest.length > 0 ? [rest] : [];
      buffered = rest.length;
      return replies;
    },
  };
}

type Parsed = { value: RespReply; end: number } | { need: number };

function parseReply(buffer: Buffer, start: number): Parsed {
  const lineEnd = buffer.indexOf('\r\n', start + 1);
  if (lineEnd === -1) return { need: buffer.length + 1 };
  const line = buffer.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (buffer[start]) {
    case 0x2b: // '+' simple string
      return { value: line, end: next };
    case 0x2d: // '-' error
      return { value: new RespError(line), end: next };
    case 0x3a: // ':' integer
      return { value: toInteger(line), end: next };
    case 0x24: { // '$' bulk string
      const length = toInteger(line);
      if (length === -1) return { value: null, end: next };
      if (length < 0) throw new Error(`bad bulk length ${line}`);
      const end = next + length + 2;
      if (buffer.length < end) return { need: end };
      return { value: new Uint8Array(buffer.subarray(next, next + length)), end };
    }
    case 0x2a: { // '*' array
      const count = toInteger(line);
      if (count === -1) return { value: null, end: next };
      if (count < 0) throw new Error(`bad array length ${line}`);
      const items: RespReply[] = [];
      let offset = next;
      for (let i = 0; i < count; i++) {
        if (offset >= buffer.length) return { need: offset + 1 };
        const item = parseReply(buffer, offset);
        if ('need' in item) return item;
        items.push(item.value);
        offset = item.end;
      }
      return { value: items, end: offset };
    }
    default:
      throw new Error(`unexpected reply type byte 0x${buffer[start]!.toString(16)}`);
  }
}

function toInteger(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new Error(`bad integer ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}
