// The bridge over real HTTP in front of a real redis-server: the wire format
// @upstash/redis expects, auth, refusals, bad input, and that secrets stay secret.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from '@upstash/redis';
import { createMemoryLogger } from '../../core/log.ts';
import { freePort } from '../../core/testing/net.ts';
import { startRedisServer, type TestRedisServer } from '../../core/testing/redis_server.ts';
import { createRedisBridge } from './bridge.ts';
import { runRedisBridge } from './main.ts';
import { createRespClient, type RespClient } from './resp.ts';

// A canary: if it shows up in any response body or log line, the bridge leaks its token.
const TOKEN = `canary-token-${crypto.randomUUID()}`;
const SECRET_VALUE = `canary-value-${crypto.randomUUID()}`;

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('Redis bridge', () => {
  let redisServer: TestRedisServer;
  let bridge: { close(): Promise<void>; port: number };
  let base = '';
  const log = createMemoryLogger('redis-bridge');
  const bodies: string[] = [];

  before(async () => {
    redisServer = await startRedisServer();
    bridge = await runRedisBridge(
      {
        listen: { host: '127.0.0.1', port: 0 },
        redisUrl: redisServer.url,
        token: TOKEN,
        maxBodyBytes: 64 * 1024,
      },
      log,
    );
    base = `http://127.0.0.1:${bridge.port}`;
  });

  after(async () => {
    await bridge?.close();
    await redisServer?.stop();
  });

  /** POSTs raw JSON text; every response body is kept for the canary check. */
  const post = async (
    path: string,
    body: string,
    headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
  ) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await response.text();
    bodies.push(text);
    return { status: response.status, text, json: JSON.parse(text) as unknown };
  };
  const authed = (extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${TOKEN}`,
    ...extra,
  });
  const base64Headers = authed({ 'upstash-encoding': 'base64' });

  describe('authentication', () => {
    it('answers 401 without a token, with a wrong one, or with another scheme', async () => {
      const cases: Record<string, string>[] = [
        {},
        { authorization: 'Bearer wrong' },
        { authorization: `Bearer ${TOKEN}x` },
        { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
        { authorization: `Basic ${TOKEN}` },
        { authorization: TOKEN },
      ];
      for (const headers of cases) {
        for (const path of ['/', '/pipeline', '/multi-exec', '/nowhere']) {
          const response = await post(path, '["PING"]', headers);
          assert.equal(response.status, 401, `${path} ${JSON.stringify(headers)}`);
          assert.equal(typeof (response.json as { error: unknown }).error, 'string');
        }
      }
    });

    it('accepts the right token, with any case of "Bearer"', async () => {
      assert.deepEqual((await post('/', '["PING"]', { authorization: `bearer ${TOKEN}` })).json, {
        result: 'PONG',
      });
    });

    it('does not take the token from the query string (it would end up in access logs)', async () => {
      const response = await fetch(`${base}/?_token=${TOKEN}`, {
        method: 'POST',
        body: '["PING"]',
      });
      bodies.push(await response.text());
      assert.equal(response.status, 401);
    });
  });

  describe('single commands', () => {
    it('returns plain results without Upstash-Encoding', async () => {
      assert.deepEqual((await post('/', '["SET","b:plain","Grüße 🎤\\n"]')).json, { result: 'OK' });
      assert.deepEqual((await post('/', '["GET","b:plain"]')).json, { result: 'Grüße 🎤\n' });
      assert.deepEqual((await post('/', '["GET","b:missing"]')).json, { result: null });
      assert.deepEqual((await post('/', '["INCR","b:counter"]')).json, { result: 1 });
    });

    it('base64-encodes every string but a top-level OK with Upstash-Encoding: base64', async () => {
      const post64 = (body: string) => post('/', body, base64Headers);
      assert.deepEqual((await post64('["SET","b:enc","Grüße 🎤"]')).json, { result: 'OK' });
      assert.deepEqual((await post64('["GET","b:enc"]')).json, { result: b64('Grüße 🎤') });
      // A stored "OK" is a bulk string, not the OK status: it is encoded.
      await post64('["SET","b:ok","OK"]');
      assert.deepEqual((await post64('["GET","b:ok"]')).json, { result: b64('OK') });
      // Other status replies are encoded too.
      assert.deepEqual((await post64('["PING"]')).json, { result: b64('PONG') });
      assert.deepEqual((await post64('["TYPE","b:enc"]')).json, { result: b64('string') });
      assert.deepEqual((await post64('["GET","b:missing"]')).json, { result: null });
      assert.deepEqual((await post64('["EXISTS","b:enc"]')).json, { result: 1 });
    });

    it('encodes strings inside nested arrays, OK included, and keeps numbers and nulls', async () => {
      const script = "return {1, {'x', false}, redis.status_reply('OK'), 'é'}";
      const body = JSON.stringify(['EVAL', script, 0]);
      assert.deepEqual((await post('/', body, base64Headers)).json, {
        result: [1, [b64('x'), null], b64('OK'), b64('é')],
      });
      assert.deepEqual((await post('/', body)).json, { result: [1, ['x', null], 'OK', 'é'] });
    });

    it('accepts numbers and booleans as arguments, as the client sends them', async () => {
      assert.deepEqual((await post('/', '["SET","b:px","v","PX",60000]')).json, { result: 'OK' });
      const ttl = (await post('/', '["PTTL","b:px"]')).json as { result: number };
      assert.ok(ttl.result > 0 && ttl.result <= 60_000);
      assert.deepEqual((await post('/', '["SET","b:bool",true]')).json, { result: 'OK' });
      assert.deepEqual((await post('/', '["GET","b:bool"]')).json, { result: 'true' });
    });

    it('answers a Redis error with 400 and its message', async () => {
      await post('/', '["SET","b:text","abc"]');
      const response = await post('/', '["INCR","b:text"]');
      assert.equal(response.status, 400);
      assert.match((response.json as { error: string }).error, /^ERR value is not an integer/);
      const unknown = await post('/', '["NOSUCHCOMMAND","x"]');
      assert.equal(unknown.status, 400);
      assert.match((unknown.json as { error: string }).error, /^ERR unknown command/);
    });
  });

  describe('pipeline', () => {
    it('runs every command and reports a failing one in its own entry', async () => {
      const response = await post(
        '/pipeline',
        JSON.stringify([['SET', 'p:k', 'v'], ['INCR', 'p:k'], ['GET', 'p:k'], ['DEL', 'p:k']]),
        base64Headers,
      );
      assert.equal(response.status, 200);
      const [set, incr, get, del] = response.json as { result?: unknown; error?: string }[];
      assert.deepEqual(set, { result: 'OK' });
      assert.match(incr?.error ?? '', /^ERR value is not an integer/);
      assert.deepEqual(get, { result: b64('v') });
      assert.deepEqual(del, { result: 1 });
    });

    it('answers in order for a long pipeline', async () => {
      const commands = Array.from({ length: 300 }, (_, i) => ['ECHO', `n${i}`]);
      const response = await post('/pipeline', JSON.stringify(commands));
      assert.deepEqual(response.json, commands.map(([, value]) => ({ result: value })));
    });
  });

  describe('multi-exec', () => {
    it('runs a transaction and returns every result', async () => {
      const response = await post(
        '/multi-exec',
        JSON.stringify([['SET', 't:a', '1'], ['INCR', 't:a'], ['GET', 't:a']]),
        base64Headers,
      );
      assert.equal(response.status, 200);
      assert.deepEqual(response.json, [{ result: 'OK' }, { result: 2 }, { result: b64('2') }]);
    });

    it('reports a runtime error in its entry; the others still apply, as in Redis', async () => {
      const response = await post(
        '/multi-exec',
        JSON.stringify([['SET', 't:b', 'text'], ['INCR', 't:b'], ['SET', 't:c', 'after']]),
      );
      assert.equal(response.status, 200);
      const [, incr, last] = response.json as { result?: unknown; error?: string }[];
      assert.match(incr?.error ?? '', /^ERR value is not an integer/);
      assert.deepEqual(last, { result: 'OK' });
    });

    it('fails as a whole with 400 when a command cannot be queued, and applies nothing', async () => {
      const response = await post(
        '/multi-exec',
        JSON.stringify([['SET', 't:d', 'never'], ['GET'], ['SET', 't:e', 'never']]),
      );
      assert.equal(response.status, 400);
      assert.match(
        (response.json as { error: string }).error,
        /^EXECABORT.*\(command 2: ERR wrong number/,
      );
      assert.deepEqual((await post('/', '["EXISTS","t:d","t:e"]')).json, { result: 0 });
    });

    it('works through @upstash/redis multi()', async () => {
      const redis = new Redis({
        url: base,
        token: TOKEN,
        automaticDeserialization: false,
        enableTelemetry: false,
      });
      const tx = redis.multi();
      tx.set('t:client', 'é 🎤');
      tx.incr('t:client-n');
      tx.get('t:client');
      assert.deepEqual(await tx.exec(), ['OK', 1, 'é 🎤']);
    });
  });

  describe('refused commands', () => {
    it('refuses administrative, connection-state, subscription and blocking commands', async () => {
      await post('/', '["SET","r:survivor","still here"]');
      const refused = [
        ['FLUSHALL'],
        ['flushdb', 'ASYNC'],
        ['CONFIG', 'GET', '*'],
        ['SHUTDOWN', 'NOSAVE'],
        ['DEBUG', 'SLEEP', '0'],
        ['MONITOR'],
        ['SUBSCRIBE', 'chat'],
        ['PSUBSCRIBE', '*'],
        ['SYNC'],
        ['REPLICAOF', '127.0.0.1', '1'],
        ['SLAVEOF', 'NO', 'ONE'],
        ['ACL', 'LIST'],
        ['MODULE', 'LIST'],
        ['SCRIPT', 'KILL'],
        ['script', 'flush'],
        ['CLIENT', 'LIST'],
        ['SELECT', '1'],
        ['HELLO', '3'],
        ['MULTI'],
        ['BLPOP', 'r:q', '0'],
        ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'],
      ];
      for (const command of refused) {
        const response = await post('/', JSON.stringify(command));
        assert.equal(response.status, 400, command.join(' '));
        assert.match(
          (response.json as { error: string }).error,
          /refused by the roomcast Redis bridge/,
        );
      }
      assert.deepEqual((await post('/', '["GET","r:survivor"]')).json, { result: 'still here' });
      // Allowed on purpose.
      assert.equal((await post('/', '["KEYS","r:*"]')).status, 200);
      assert.equal((await post('/', '["SCRIPT","EXISTS","0000"]')).status, 200);
      assert.equal((await post('/', '["XREAD","COUNT","1","STREAMS","r:s","0"]')).status, 200);
    });

    it('refuses XREAD BLOCK wherever the option is, but not a stream named "block"', async () => {
      const blocking = [
        ['XREAD', 'COUNT', '5', 'BLOCK', '0', 'STREAMS', 'r:s', '0-0'],
        ['xread', 'block', '10', 'STREAMS', 'r:s', '0-0'],
        ['XREADGROUP', 'GROUP', 'g', 'c', 'NOACK', 'BLOCK', '0', 'STREAMS', 'r:s', '>'],
      ];
      for (const command of blocking) {
        const response = await post('/', JSON.stringify(command));
        assert.equal(response.status, 400, command.join(' '));
        assert.match((response.json as { error: string }).error, /BLOCK' is refused/);
      }
      await post('/', '["XADD","block","*","v","1"]');
      const named = await post('/', '["XREAD","COUNT","1","STREAMS","block","0-0"]');
      assert.equal(named.status, 200);
      assert.equal(((named.json as { result: unknown[] }).result[0] as unknown[])[0], 'block');
      // A group and a consumer called "block": Redis answers (no such group), not the bridge.
      const group = await post(
        '/',
        '["XREADGROUP","GROUP","block","block","STREAMS","block",">"]',
      );
      assert.equal(group.status, 400);
      assert.match((group.json as { error: string }).error, /^NOGROUP/);
    });

    it('refuses inside a pipeline per entry, and a whole transaction', async () => {
      const pipeline = await post(
        '/pipeline',
        JSON.stringify([['SET', 'r:p', '1'], ['FLUSHALL'], ['GET', 'r:p']]),
      );
      assert.equal(pipeline.status, 200);
      const [set, flush, get] = pipeline.json as { result?: unknown; error?: string }[];
      assert.deepEqual(set, { result: 'OK' });
      assert.match(flush?.error ?? '', /FLUSHALL.*refused/);
      assert.deepEqual(get, { result: '1' });

      const tx = await post(
        '/multi-exec',
        JSON.stringify([['SET', 'r:t', '1'], ['CONFIG', 'SET', 'x', 'y']]),
      );
      assert.equal(tx.status, 400);
      assert.match((tx.json as { error: string }).error, /CONFIG.*refused/);
      assert.deepEqual((await post('/', '["EXISTS","r:t"]')).json, { result: 0 });
    });
  });

  describe('bad requests', () => {
    const cases: [string, string, RegExp][] = [
      ['/', '', /not valid JSON/],
      ['/', '{"command":"GET"}', /^body must be an array/],
      ['/', '[]', /^body must not be empty/],
      ['/', '[null]', /^body\[0\] must be a string, number or boolean/],
      ['/', '["SET","k",{"a":1}]', /^body\[2\] must be a string, number or boolean/],
      ['/', '["GET"', /not valid JSON/],
      ['/pipeline', '["GET","k"]', /^body\[0\] must be an array/],
      ['/pipeline', '[]', /^body must contain at least one command/],
      ['/pipeline', '[["GET","k"],[]]', /^body\[1\] must not be empty/],
      ['/multi-exec', '"MULTI"', /^body must be an array of commands/],
      ['/multi-exec', '[["GET",["nested"]]]', /^body\[0\]\[1\] must be a string/],
    ];
    for (const [path, body, message] of cases) {
      it(`answers 400 for ${path} ${body || '(empty body)'}`, async () => {
        const response = await post(path, body);
        assert.equal(response.status, 400);
        assert.match((response.json as { error: string }).error, message);
      });
    }

    it('answers 413 for a body over maxBodyBytes, with or without Content-Length', async () => {
      const big = JSON.stringify(['SET', 'big', 'x'.repeat(70 * 1024)]);
      const sized = await post('/', big);
      assert.equal(sized.status, 413);
      assert.match((sized.json as { error: string }).error, /larger than 65536 bytes/);
      const bytes = new TextEncoder().encode(big);
      const streamed = await fetch(`${base}/`, {
        method: 'POST',
        headers: authed(),
        body: new ReadableStream({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 8192) {
              controller.enqueue(bytes.subarray(i, i + 8192));
            }
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      const text = await streamed.text();
      bodies.push(text);
      assert.equal(streamed.status, 413);
      assert.equal((await post('/', '["EXISTS","big"]')).text, '{"result":0}');
    });

    it('answers 405 for another method and 404 for an unknown path', async () => {
      const get = await fetch(`${base}/pipeline`, { headers: authed() });
      bodies.push(await get.text());
      assert.equal(get.status, 405);
      const unknown = await post('/set/foo/bar', '');
      assert.equal(unknown.status, 404);
    });

    it('survives all of that: Redis still answers through the bridge', async () => {
      assert.deepEqual((await post('/', '["PING"]')).json, { result: 'PONG' });
    });
  });

  describe('health', () => {
    it('answers 200 without a token while Redis answers PING', async () => {
      const response = await fetch(`${base}/health`);
      bodies.push(await response.text());
      assert.equal(response.status, 200);
    });

    it('answers 503 and 503 JSON errors, never a crash, while Redis is down', async () => {
      const deadUrl = `redis://127.0.0.1:${await freePort()}`;
      const redis: RespClient = createRespClient(deadUrl, { connectTimeoutMs: 1_000 });
      const app = createRedisBridge({ redis, token: TOKEN, log });
      try {
        assert.equal((await app.request('/health')).status, 503);
        const response = await app.request('/pipeline', {
          method: 'POST',
          headers: authed(),
          body: '[["GET","k"]]',
        });
        const text = await response.text();
        bodies.push(text);
        assert.equal(response.status, 503);
        assert.deepEqual(JSON.parse(text), { error: 'Redis is unavailable' });
      } finally {
        await redis.close();
      }
    });
  });

  describe('the real @upstash/redis client', () => {
    it('works with base64 responses (its default) and without', async () => {
      for (const responseEncoding of [undefined, false] as const) {
        const redis = new Redis({
          url: base,
          token: TOKEN,
          automaticDeserialization: false,
          enableTelemetry: false,
          ...(responseEncoding === false ? { responseEncoding: false } : {}),
        });
        const key = `c:${String(responseEncoding)}`;
        assert.equal(await redis.set(key, 'Grüße\n🎤'), 'OK');
        assert.equal(await redis.get(key), 'Grüße\n🎤');
        await redis.sadd(`${key}:set`, 'b', 'a');
        assert.deepEqual((await redis.smembers(`${key}:set`)).sort(), ['a', 'b']);
        assert.deepEqual(await redis.mget(key, `${key}:missing`), ['Grüße\n🎤', null]);
      }
    });

    it('carries stream replies as nested arrays, base64-decoded at every depth', async () => {
      for (const responseEncoding of [undefined, false] as const) {
        const redis = new Redis({
          url: base,
          token: TOKEN,
          automaticDeserialization: false,
          enableTelemetry: false,
          ...(responseEncoding === false ? { responseEncoding: false } : {}),
        });
        const key = `c:stream:${String(responseEncoding)}`;
        const first = await redis.xadd(key, '*', { v: 'Grüße\n🎤' });
        const second = await redis.xadd(key, '*', { v: 'OK' });
        assert.deepEqual(await redis.xread([key, `${key}:missing`], ['0-0', '0-0'], { count: 5 }), [
          [key, [[first, ['v', 'Grüße\n🎤']], [second, ['v', 'OK']]]],
        ]);
        // Nothing new is a null reply, not an empty array.
        assert.equal(await redis.xread([key], [second], { count: 5 }), null);
        assert.deepEqual(await redis.xrevrange(key, '+', '-', 1), [[second, ['v', 'OK']]]);
        assert.deepEqual(await redis.xrevrange(`${key}:missing`, '+', '-', 1), []);
      }
    });

    it('surfaces a refused command as an error without the token', async () => {
      const redis = new Redis({ url: base, token: TOKEN, enableTelemetry: false });
      await assert.rejects(redis.flushall(), (error: Error) => {
        assert.match(error.message, /FLUSHALL.*refused/);
        assert.ok(!error.message.includes(TOKEN));
        return true;
      });
    });
  });

  describe('secrets', () => {
    it('rejects an empty token at start-up, naming the setting', async () => {
      await assert.rejects(
        runRedisBridge({
          listen: { host: '127.0.0.1', port: 0 },
          redisUrl: redisServer.url,
          token: '',
        }, log),
        /'redisBridge\.token' must be set \(via ROOMCAST_REDIS_BRIDGE_TOKEN\)/,
      );
      assert.throws(() =>
        createRedisBridge({ redis: createRespClient(redisServer.url), token: '' })
      );
    });

    it('never puts the token or command values in a response body or a log line', async () => {
      // Provoke the paths that could echo input: errors, refusals, 401s, a pipeline.
      await post('/', JSON.stringify(['SET', 's:secret', SECRET_VALUE]));
      await post('/', JSON.stringify(['INCR', 's:secret']));
      await post('/pipeline', JSON.stringify([['GET', 's:secret'], ['FLUSHALL', SECRET_VALUE]]));
      await post('/', JSON.stringify(['GET', 's:secret']), {
        authorization: `Bearer ${SECRET_VALUE}`,
      });
      await post('/', JSON.stringify(['GET', 's:secret']), {
        authorization: `Bearer ${TOKEN}-${SECRET_VALUE}`,
      });
      assert.ok(bodies.length > 50, 'the canary check must have seen the other tests too');
      for (const body of bodies) {
        assert.ok(!body.includes(TOKEN), `token in a response: ${body.slice(0, 200)}`);
      }
      assert.ok(log.lines.length > 0);
      for (const line of log.lines) {
        assert.ok(!line.includes(TOKEN), `token in a log line: ${line}`);
        assert.ok(!line.includes(SECRET_VALUE), `value in a log line: ${line}`);
      }
    });
  });
});
