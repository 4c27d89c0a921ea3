// An HTTP server that speaks what `@upstash/redis` sends, backed by a real Redis, so a
// self-hosted roomcast can scale its edges out with the same store adapter as on Upstash.
//
// What the client really does (read from node_modules/@upstash/redis, v1.39):
// * every request is a POST with a JSON body and `Authorization: Bearer <token>`;
//   `POST /` carries one command `["SET","k","v","px",300]` (arguments may be JSON
//   numbers), `POST /pipeline` and `POST /multi-exec` carry an array of commands.
//   Auto-pipelining is on by default, so most single calls arrive as `/pipeline`.
// * it sends `Upstash-Encoding: base64` by default and then base64-decodes every string
//   of the result, except a top-level "OK"; inside arrays it decodes every string.
//   Upstash documents the same: all strings base64, except the "OK" reply.
// * a non-2xx status makes it throw `${body.error}, command was: …`; a pipeline entry is
//   `{ result }` or `{ error }` with status 200.
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { Logger } from '../../core/log.ts';
import { type RedisCommander, RespError, type RespReply } from './resp.ts';

export interface RedisBridgeOptions {
  redis: RedisCommander;
  /** The bearer token every client must present; must not be empty. */
  token: string;
  /** Larger request bodies get a 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Gets command names and counts at debug level, never arguments or the token. */
  log?: Logger;
}

type HttpStatus = 400 | 401 | 404 | 405 | 413 | 500 | 503;

class HttpError extends Error {
  readonly status: HttpStatus;
  constructor(status: HttpStatus, message: string) {
    super(message);
    this.status = status;
  }
}

// Commands that must not run through a shared, token-protected HTTP endpoint. Redis ACLs
// on the bridge's Redis user are the real fence (EVAL can still reach what Lua allows);
// this list keeps the obvious ones out and protects the one shared connection.
const REFUSED: ReadonlyMap<string, string> = new Map([
  ...[
    'FLUSHALL',
    'FLUSHDB',
    'CONFIG',
    'SHUTDOWN',
    'DEBUG',
    'MONITOR',
    'SYNC',
    'PSYNC',
    'REPLCONF',
    'REPLICAOF',
    'SLAVEOF',
    'ACL',
    'MODULE',
    'SAVE',
    'BGSAVE',
    'BGREWRITEAOF',
    'FAILOVER',
    'CLUSTER',
    'SWAPDB',
    'MIGRATE',
    'RESTORE',
    'RESTORE-ASKING',
    // Shows other clients' command arguments, which may be secrets.
    'SLOWLOG',
    // Lists and kills other clients; CLIENT REPLY OFF would desynchronise the connection.
    'CLIENT',
  ].map((name) => [name, 'an administrative command'] as const),
  // Every request shares one pipelined connection: anything that changes its state
  // would leak into other requests.
  ...[
    'SELECT',
    'AUTH',
    'HELLO',
    'RESET',
    'QUIT',
    'MULTI',
    'EXEC',
    'DISCARD',
    'WATCH',
    'UNWATCH',
    'READONLY',
    'READWRITE',
    'ASKING',
  ].map((name) =>
    [name, 'it changes the shared connection (use /multi-exec for transactions)'] as const
  ),
  ...['SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE', 'UNSUBSCRIBE', 'PUNSUBSCRIBE', 'SUNSUBSCRIBE'].map(
    (name) => [name, 'subscriptions are not supported by this bridge'] as const,
  ),
  // A blocking command would stall every other request queued behind it.
  ...[
    'BLPOP',
    'BRPOP',
    'BRPOPLPUSH',
    'BLMOVE',
    'BLMPOP',
    'BZPOPMIN',
    'BZPOPMAX',
    'BZMPOP',
    'WAIT',
    'WAITAOF',
  ].map((name) => [name, 'blocking commands would stall the shared connection'] as const),
]);

const REFUSED_SUBCOMMANDS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['SCRIPT', new Set(['KILL', 'FLUSH'])],
  ['FUNCTION', new Set(['KILL', 'FLUSH', 'DELETE', 'RESTORE'])],
]);

/** Why a command is refused, as a Redis-style error, or null when it may run. */
export function refusal(args: readonly string[]): string | null {
  const name = (args[0] ?? '').toUpperCase();
  const reason = REFUSED.get(name);
  if (reason) return `ERR '${name}' is refused by the roomcast Redis bridge: ${reason}`;
  const sub = (args[1] ?? '').toUpperCase();
  if (REFUSED_SUBCOMMANDS.get(name)?.has(sub)) {
    return `ERR '${name} ${sub}' is refused by the roomcast Redis bridge: an administrative command`;
  }
  if ((name === 'XREAD' || name === 'XREADGROUP') && blocks(args)) {
    return `ERR '${name} BLOCK' is refused by the roomcast Redis bridge: blocking commands would stall the shared connection`;
  }
  return null;
}

/**
 * Whether an XREAD/XREADGROUP has the BLOCK option. Its options are read as Redis reads
 * them, up to STREAMS: a stream key, id, group or consumer that happens to be named
 * "block" is no option and must not get a non-blocking read refused.
 */
function blocks(args: readonly string[]): boolean {
  for (let i = 1; i < args.length;) {
    const option = args[i]!.toUpperCase();
    if (option === 'STREAMS') return false;
    if (option === 'BLOCK') return true;
    // GROUP <group> <consumer>, COUNT <n>; anything else (NOACK) stands alone.
    i += option === 'GROUP' ? 3 : option === 'COUNT' ? 2 : 1;
  }
  return false;
}

// Request bodies. The client serialises strings, numbers and booleans as they are.
const argument = z.union([z.string(), z.number(), z.boolean()], {
  error: 'must be a string, number or boolean',
});
const command = z
  .array(argument, { error: 'must be an array like ["GET", "key"]' })
  .min(1, { error: 'must not be empty: a command needs at least its name' });
const commandList = z
  .array(command, { error: 'must be an array of commands like [["GET", "key"]]' })
  .min(1, { error: 'must contain at least one command' });

type Command = string[];

export function createRedisBridge(options: RedisBridgeOptions): Hono {
  if (!options.token) throw new Error('the Redis bridge token must not be empty');
  const { redis } = options;
  const log = options.log;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const expectedDigest = sha256(options.token);

  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof HttpError) return c.json({ error: error.message }, error.status);
    // Only the error's name: a message could quote a value from a command.
    log?.error('request failed unexpectedly', { error: error.name });
    return c.json({ error: 'internal error in the Redis bridge' }, 500);
  });
  app.notFound((c) => c.json({ error: `no such endpoint: ${c.req.method} ${c.req.path}` }, 404));

  // Load balancers probe this without a token; it says nothing but "Redis answers".
  app.get('/health', async (c) => {
    try {
      const reply = await redis.command(['PING']);
      if (reply === 'PONG') return c.json({ status: 'ok' });
    } catch (error) {
      log?.warn('health check: Redis unavailable', { reason: (error as Error).message });
    }
    return c.json({ error: 'Redis does not answer PING' }, 503);
  });

  app.use('*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      log?.info('rejected a request without a bearer token', { path: c.req.path });
      throw new HttpError(401, 'missing bearer token: send Authorization: Bearer <token>');
    }
    if (!equalDigests(await sha256(match[1]!), await expectedDigest)) {
      log?.info('rejected a request with a wrong token', { path: c.req.path });
      throw new HttpError(401, 'invalid token');
    }
    await next();
  });

  app.use(
    '*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw new HttpError(413, `request body is larger than ${maxBodyBytes} bytes`);
      },
    }),
  );

  app.post('/', async (c) => {
    const cmd = toCommand(parse(command, await readJson(c), 'body'));
    const refused = refusal(cmd);
    if (refused) throw new HttpError(400, refused);
    log?.debug('command', { name: commandName(cmd) });
    const [reply] = await run(() => redis.batch([cmd]));
    if (reply instanceof RespError) return c.json({ error: reply.message }, 400);
    return c.json({ result: toWire(reply ?? null, wantsBase64(c), true) });
  });

  app.post('/pipeline', async (c) => {
    const cmds = parse(commandList, await readJson(c), 'body').map(toCommand);
    const refusals = cmds.map(refusal);
    const allowed = cmds.filter((_, i) => refusals[i] === null);
    log?.debug('pipeline', { commands: cmds.length, names: summarise(cmds) });
    const replies = allowed.length > 0 ? await run(() => redis.batch(allowed)) : [];
    const base64 = wantsBase64(c);
    let next = 0;
    // Like Upstash: one failing command is its entry's `error`, the others still run.
    return c.json(
      refusals.map((refused) => {
        if (refused) return { error: refused };
        return entry(replies[next++] ?? null, base64);
      }),
    );
  });

  app.post('/multi-exec', async (c) => {
    const cmds = parse(commandList, await readJson(c), 'body').map(toCommand);
    for (const cmd of cmds) {
      const refused = refusal(cmd);
      // Refuse the whole transaction: running part of it would not be a transaction.
      if (refused) throw new HttpError(400, refused);
    }
    log?.debug('transaction', { commands: cmds.length, names: summarise(cmds) });
    // One batch, one write: MULTI, the commands and EXEC reach Redis back to back.
    const replies = await run(() => redis.batch([['MULTI'], ...cmds, ['EXEC']]));
    const exec = replies[replies.length - 1];
    if (exec instanceof RespError) {
      // EXECABORT alone does not say which command was wrong; the queueing reply does.
      const index = replies.slice(1, -1).findIndex((r) => r instanceof RespError);
      const cause = index >= 0
        ? ` (command ${index + 1}: ${(replies[index + 1] as RespError).message})`
        : '';
      return c.json({ error: `${exec.message}${cause}` }, 400);
    }
    if (!Array.isArray(exec)) return c.json({ error: 'ERR the transaction was aborted' }, 400);
    const base64 = wantsBase64(c);
    return c.json(exec.map((reply) => entry(reply, base64)));
  });

  for (const path of ['/', '/pipeline', '/multi-exec']) {
    app.all(
      path,
      (c) => c.json({ error: `method ${c.req.method} not allowed here; use POST` }, 405),
    );
  }

  /** Runs Redis calls; a connection failure is the bridge's 503, not the client's fault. */
  async function run<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      log?.warn('Redis unavailable', { reason: (error as Error).message });
      throw new HttpError(503, 'Redis is unavailable');
    }
  }

  return app;
}

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = (issue?.path ?? []).map((part) => `[${String(part)}]`).join('');
  throw new HttpError(400, `${what}${path} ${issue?.message ?? 'is invalid'}`);
}

function toCommand(args: (string | number | boolean)[]): Command {
  return args.map((arg) => (typeof arg === 'string' ? arg : String(arg)));
}

function commandName(cmd: Command): string {
  return (cmd[0] ?? '').toUpperCase().slice(0, 32);
}

/** Distinct command names, for a debug line; never arguments. */
function summarise(cmds: Command[]): string {
  const names = [...new Set(cmds.map(commandName))];
  return names.length > 8 ? `${names.slice(0, 8).join(',')},…` : names.join(',');
}

function wantsBase64(c: Context): boolean {
  return (c.req.header('upstash-encoding') ?? '').trim().toLowerCase() === 'base64';
}

function entry(reply: RespReply, base64: boolean): { result: unknown } | { error: string } {
  if (reply instanceof RespError) return { error: reply.message };
  return { result: toWire(reply, base64, true) };
}

/**
 * A Redis reply as Upstash puts it in JSON. With base64, every string is the base64 of
 * its bytes, except a top-level "OK" status, which the client expects as is; without
 * it, bulk strings are decoded as UTF-8 (lossy for binary values, which is why the
 * client asks for base64).
 */
export function toWire(reply: RespReply, base64: boolean, topLevel = false): unknown {
  if (reply === null || typeof reply === 'number') return reply;
  if (typeof reply === 'string') {
    if (!base64 || (topLevel && reply === 'OK')) return reply;
    return toBase64(new TextEncoder().encode(reply));
  }
  if (reply instanceof Uint8Array) return base64 ? toBase64(reply) : utf8.decode(reply);
  if (reply instanceof RespError) return toWire(reply.message, base64);
  return reply.map((item) => toWire(item, base64));
}

const utf8 = new TextDecoder();

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  // In slices: String.fromCharCode(...bytes) overflows the argument limit on big values.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

/**
 * Compares two digests in constant time. Hashing first makes the comparison length-
 * independent, so neither timing nor length says how much of a guess was right.
 */
function equalDigests(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length && i < b.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}
