// The RESP2 client against a real redis-server on loopback, plus the reply parser fed
// byte by byte.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer, type TestRedisServer } from '../../core/testing/redis_server.ts';
import {
  createReplyReader,
  createRespClient,
  encodeCommands,
  parseRedisUrl,
  type RespClient,
  RespError,
  type RespReply,
} from './resp.ts';

const text = (reply: RespReply) => {
  assert.ok(reply instanceof Uint8Array, `expected a bulk string, got ${String(reply)}`);
  return new TextDecoder().decode(reply);
};

describe('reply parser', () => {
  const stream = Buffer.concat([
    Buffer.from('+OK\r\n-ERR wrong\r\n:42\r\n:-7\r\n$5\r\nhe\r\no\r\n$-1\r\n$0\r\n\r\n'),
    Buffer.from('*3\r\n:1\r\n*2\r\n$1\r\na\r\n*-1\r\n+QUEUED\r\n*-1\r\n*0\r\n+\r\n'),
  ]);
  const expected: RespReply[] = [
    'OK',
    new RespError('ERR wrong'),
    42,
    -7,
    new Uint8Array(Buffer.from('he\r\no')),
    null,
    new Uint8Array(0),
    [1, [new Uint8Array(Buffer.from('a')), null], 'QUEUED'],
    null,
    [],
    '',
  ];

  const normalise = (replies: RespReply[]): unknown =>
    replies.map((
      r,
    ) => (r instanceof RespError ? `error:${r.message}` : Array.isArray(r) ? normalise(r) : r));

  it('parses every reply type in one chunk', () => {
    assert.deepEqual(normalise(createReplyReader().push(stream)), normalise(expected));
  });

  it('parses the same stream split at every possible byte', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const reader = createReplyReader();
      const replies = [
        ...reader.push(stream.subarray(0, cut)),
        ...reader.push(stream.subarray(cut)),
      ];
      assert.deepEqual(normalise(replies), normalise(expected), `split at ${cut}`);
    }
  });

  it('parses the stream fed one byte at a time', () => {
    const reader = createReplyReader();
    const replies: RespReply[] = [];
    for (const byte of stream) replies.push(...reader.push(Uint8Array.of(byte)));
    assert.deepEqual(normalise(replies), normalise(expected));
  });

  it('keeps bulk strings byte-exact, including invalid UTF-8', () => {
    const bytes = Uint8Array.of(0xff, 0x00, 0xc3, 0x28, 0x0d, 0x0a);
    const reply = createReplyReader().push(
      Buffer.concat([Buffer.from('$6\r\n'), bytes, Buffer.from('\r\n')]),
    );
    assert.deepEqual(reply, [bytes]);
  });

  it('rejects a stream that is not RESP2', () => {
    assert.throws(() => createReplyReader().push(Buffer.from('HTTP/1.1 400 Bad Request\r\n')));
  });

  it('encodes commands as arrays of bulk strings with byte lengths', () => {
    assert.equal(
      encodeCommands([['SET', 'k', 'é\r\n'], ['PING']]).toString('utf8'),
      '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\né\r\n\r\n*1\r\n$4\r\nPING\r\n',
    );
  });
});

describe('parseRedisUrl', () => {
  it('reads host, port, password, user and database', () => {
    assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6380'), {
      host: '127.0.0.1',
      port: 6380,
      tls: false,
    });
    assert.deepEqual(parseRedisUrl('redis://:p%40ss@redis.internal/2'), {
      host: 'redis.internal',
      port: 6379,
      tls: false,
      password: 'p@ss',
      db: 2,
    });
    assert.deepEqual(parseRedisUrl('rediss://bridge:pw@[::1]:7000'), {
      host: '::1',
      port: 7000,
      tls: true,
      username: 'bridge',
      password: 'pw',
    });
  });

  it('refuses other schemes and bad paths without echoing the password', () => {
    for (const url of ['http://:hunter2@h:1', 'redis://:hunter2@h:1/db', 'not a url hunter2']) {
      assert.throws(
        () => parseRedisUrl(url),
        (error: Error) => !error.message.includes('hunter2'),
      );
    }
  });
});

describe('RESP client against redis-server', () => {
  let server: TestRedisServer;
  const clients: RespClient[] = [];
  const client = (url = server.url, options = {}) => {
    const created = createRespClient(url, options);
    clients.push(created);
    return created;
  };

  before(async () => {
    server = await startRedisServer();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.stop();
  });

  it('sends commands and reads every reply type', async () => {
    const redis = client();
    assert.equal(await redis.command(['PING']), 'PONG');
    assert.equal(await redis.command(['SET', 'resp:a', 'Grüße 🎤\r\n']), 'OK');
    assert.equal(text(await redis.command(['GET', 'resp:a'])), 'Grüße 🎤\r\n');
    assert.equal(await redis.command(['GET', 'resp:missing']), null);
    assert.equal(await redis.command(['INCR', 'resp:n']), 1);
    const error = await redis.command(['INCR', 'resp:a']);
    assert.ok(error instanceof RespError);
    assert.match(error.message, /^ERR value is not an integer/);
    const nested = await redis.command([
      'EVAL',
      "return {1, {'x', false}, redis.status_reply('OK'), redis.error_reply('ERR inner')}",
      '0',
    ]);
    assert.ok(Array.isArray(nested));
    assert.equal(nested[0], 1);
    assert.deepEqual(nested[1], [new Uint8Array(Buffer.from('x')), null]);
    assert.equal(nested[2], 'OK');
    assert.ok(nested[3] instanceof RespError);
  });

  it('matches many concurrent commands to their replies', async () => {
    const redis = client();
    const keys = Array.from({ length: 200 }, (_, i) => `resp:concurrent:${i}`);
    await Promise.all(keys.map((key, i) => redis.command(['SET', key, `value-${i}`])));
    const values = await Promise.all(keys.map((key) => redis.command(['GET', key])));
    assert.deepEqual(values.map(text), keys.map((_, i) => `value-${i}`));
  });

  it('keeps a batch contiguous while other commands are in flight', async () => {
    const redis = client();
    const noise = Array.from({ length: 50 }, () => redis.command(['INCR', 'resp:noise']));
    const batch = redis.batch([['MULTI'], ['SET', 'resp:tx', 'in'], ['GET', 'resp:tx'], ['EXEC']]);
    noise.push(...Array.from({ length: 50 }, () => redis.command(['INCR', 'resp:noise'])));
    const [multi, queued1, queued2, exec] = await batch;
    assert.deepEqual([multi, queued1, queued2], ['OK', 'QUEUED', 'QUEUED']);
    assert.ok(Array.isArray(exec));
    assert.equal(exec[0], 'OK');
    assert.equal(text(exec[1]!), 'in');
    assert.deepEqual(
      (await Promise.all(noise)).sort((a, b) => Number(a) - Number(b)),
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
  });

  it('moves bulk values of several megabytes intact', async () => {
    const redis = client();
    const big = 'roomcast-'.repeat(400_000);
    assert.equal(await redis.command(['SET', 'resp:big', big]), 'OK');
    assert.equal(text(await redis.command(['GET', 'resp:big'])), big);
  });

  it('selects the database from the URL', async () => {
    const db3 = client(`${server.url}/3`);
    await db3.command(['SET', 'resp:db', 'three']);
    assert.equal(text(await db3.command(['GET', 'resp:db'])), 'three');
    assert.equal(await client().command(['GET', 'resp:db']), null);
  });

  it('reconnects for the next command after the connection was dropped', async () => {
    const redis = client();
    const id = await redis.command(['CLIENT', 'ID']);
    assert.equal(typeof id, 'number');
    assert.equal(await client().command(['CLIENT', 'KILL', 'ID', String(id)]), 1);
    // The drop may or may not have been noticed before the next command is written.
    let reply: RespReply | undefined;
    for (let attempt = 0; attempt < 3 && reply === undefined; attempt++) {
      reply = await redis.command(['PING']).catch(() => undefined);
    }
    assert.equal(reply, 'PONG');
    assert.notEqual(await redis.command(['CLIENT', 'ID']), id);
  });

  it('rejects with an error, not a hang, when nothing listens', async () => {
    const { freePort } = await import('../../core/testing/net.ts');
    const redis = client(`redis://127.0.0.1:${await freePort()}`);
    await assert.rejects(redis.command(['PING']), /Redis connection to 127\.0\.0\.1:\d+ failed/);
  });

  it('rejects pending commands when Redis stops answering within commandTimeoutMs', async () => {
    const redis = client(server.url, { commandTimeoutMs: 200 });
    await assert.rejects(
      redis.command(['BLPOP', 'resp:never', '1']),
      /did not answer within 200 ms/,
    );
    // The next command gets a fresh connection.
    assert.equal(await redis.command(['PING']), 'PONG');
  });

  it('rejects every call after close, and close twice is fine', async () => {
    const redis = client();
    assert.equal(await redis.command(['PING']), 'PONG');
    await redis.close();
    await redis.close();
    await assert.rejects(redis.command(['PING']), /closed/);
  });
});

describe('RESP client with a password', () => {
  let server: TestRedisServer;
  before(async () => {
    server = await startRedisServer({ password: 's3cret-canary' });
  });
  after(() => server.stop());

  it('authenticates with the password from the URL', async () => {
    const redis = createRespClient(`redis://:s3cret-canary@127.0.0.1:${server.port}`);
    try {
      assert.equal(await redis.command(['PING']), 'PONG');
    } finally {
      await redis.close();
    }
  });

  it('fails clearly on a wrong password without repeating it', async () => {
    const redis = createRespClient(`redis://:wrong-canary@127.0.0.1:${server.port}/1`);
    try {
      await assert.rejects(redis.command(['PING']), (error: Error) => {
        assert.match(error.message, /Redis refused AUTH/);
        assert.ok(!error.message.includes('wrong-canary'));
        return true;
      });
    } finally {
      await redis.close();
    }
  });
});
