// Chat across two edges for real: two `roomcast edge` processes behind one real sqld
// (libSQL) and one real redis-server through the roomcast Redis bridge, 50 WebSocket
// clients split across them. While ten of them send, redis-server is restarted twice and
// a few clients drop and resume: every client still gets every message exactly once.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createMemoryLogger } from '../core/log.ts';
import { chatGuestCookie, connectChat, type TestChatClient } from '../core/testing/chat_client.ts';
import { freePort, NODE_PROCESS_START_MS, waitForPort } from '../core/testing/net.ts';
import { type RunningProcess, startProcess } from '../core/testing/process.ts';
import { startRedisServer, type TestRedisServer } from '../core/testing/redis_server.ts';
import { startSqld, type TestSqld } from '../core/testing/sqld.ts';
import { runRedisBridge } from '../edge/redis_bridge/main.ts';
import { ROOMCAST, sleep } from './support/stack.ts';

const BRIDGE_TOKEN = `bridge-${crypto.randomUUID()}`;
const CLIENTS = 50;
const SENDERS = 10;
const MESSAGES_EACH = 20;

let dir: string;
let sqld: TestSqld;
let redis: TestRedisServer;
let bridge: { close(): Promise<void>; port: number };
const edges: { process: RunningProcess; url: string }[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomcast-chat-cluster-'));
  sqld = await startSqld();
  redis = await startRedisServer();
  bridge = await runRedisBridge(
    { listen: { host: '127.0.0.1', port: 0 }, redisUrl: redis.url, token: BRIDGE_TOKEN },
    createMemoryLogger('redis-bridge'),
  );
  const clusterSecret = `cluster-${crypto.randomUUID()}-${crypto.randomUUID()}`;
  for (const name of ['a', 'b']) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const process_ = startProcess(process.execPath, [ROOMCAST, 'edge'], {
      cwd: dir,
      env: {
        ...process.env,
        XDG_CONFIG_HOME: join(dir, 'xdg'),
        ROOMCAST_EDGE_LISTEN_PORT: String(port),
        ROOMCAST_EDGE_PUBLIC_URL: url,
        ROOMCAST_EDGE_DATA_DIR: join(dir, `edge-${name}`),
        ROOMCAST_EDGE_DATABASE_URL: sqld.url,
        ROOMCAST_EDGE_CLUSTER_SECRET: clusterSecret,
        ROOMCAST_EDGE_LIVE_STORE_KIND: 'upstash',
        ROOMCAST_EDGE_LIVE_STORE_URL: `http://127.0.0.1:${bridge.port}`,
        ROOMCAST_EDGE_LIVE_STORE_TOKEN: BRIDGE_TOKEN,
        ROOMCAST_EDGE_CHAT_GUESTS: 'true',
        // All clients come from 127.0.0.1: the per-address limit would be the test.
        ROOMCAST_EDGE_CHAT_PER_ADDRESS_MESSAGES: '10000',
        ROOMCAST_EDGE_CHAT_PER_USER_MESSAGES: '100',
      },
    });
    await process_.whenReady(waitForPort(port, '127.0.0.1', NODE_PROCESS_START_MS));
    edges.push({ process: process_, url });
    // The first edge makes the admin; the second must find the migrations done.
  }
  const token = (await readFile(join(dir, 'edge-a/admin-token'), 'utf8')).trim();
  const created = await fetch(`${edges[0]!.url}/api/v1/rooms`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'hall', title: 'Hall', withKey: false }),
  });
  assert.equal(created.status, 201, await created.text());
});

after(async () => {
  for (const edge of edges) await edge.process.stop();
  await bridge?.close();
  await redis?.stop();
  await sqld?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function waitUntil(what: string, probe: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('50 clients on two edges get every message once through two Redis restarts', async () => {
  const clients: TestChatClient[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const edge = edges[i % 2]!;
    const cookie = await chatGuestCookie(edge.url);
    clients.push(connectChat(edge.url, '/api/v1/chat/rooms/hall/ws', { cookie }));
  }
  await Promise.all(clients.map((client) => client.welcome));

  const sent: string[] = [];
  const sending = (async () => {
    for (let round = 0; round < MESSAGES_EACH; round++) {
      await Promise.all(
        clients.slice(0, SENDERS).map(async (client, i) => {
          const text = `client ${i} message ${round}`;
          const nonce = `c${i}r${round}`;
          client.send(text, nonce);
          const reply = await client.reply(nonce, 15_000);
          assert.equal(reply.type, 'sent', `${text}: ${JSON.stringify(reply)}`);
          sent.push(text);
        }),
      );
      await sleep(150);
    }
  })();
  const faults = (async () => {
    for (let restart = 0; restart < 2; restart++) {
      await sleep(700);
      await redis.restart();
    }
    await sleep(300);
    // Three clients on each edge drop and resume after the last entry they saw.
    await Promise.all([20, 21, 22, 23, 24, 25].map((i) => clients[i]!.reconnect()));
  })();
  await Promise.all([sending, faults]);
  assert.equal(sent.length, SENDERS * MESSAGES_EACH);

  const total = SENDERS * MESSAGES_EACH;
  await waitUntil(
    'every client to have every message',
    () => clients.every((client) => new Set(client.entries.map((e) => e.seq)).size >= total),
    30_000,
  );
  await sleep(500); // anything duplicated late would arrive now
  for (const [i, client] of clients.entries()) {
    const texts = client.entries.flatMap((e) => (e.kind === 'message' ? [e.text] : []));
    assert.equal(texts.length, total, `client ${i}: ${texts.length} messages, ${total} sent`);
    assert.deepEqual([...texts].sort(), [...sent].sort(), `client ${i} got each message once`);
    const seqs = client.entries.map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `client ${i} in order`);
  }
  for (const client of clients) client.close();
});

test('a spoofed author in a frame is refused; a banned guest is told why on both edges', async () => {
  const [a, b] = edges as [typeof edges[0], typeof edges[0]];
  const cookie = await chatGuestCookie(a.url);
  const onA = connectChat(a.url, '/api/v1/chat/rooms/hall/ws', { cookie });
  const onB = connectChat(b.url, '/api/v1/chat/rooms/hall/ws', { cookie });
  const welcome = await onA.welcome;
  await onB.welcome;
  const me = welcome.you.author!;
  assert.equal(me.role, 'guest');

  // A frame carrying a name, role or user id is not a frame the edge takes: refused, and
  // nothing goes out under any name.
  const socket = await rawSocket(a.url, cookie);
  const before = onB.entries.length;
  for (const [i, spoof] of [{ name: 'admin' }, { role: 'admin' }, { userId: 'a:1' }].entries()) {
    socket.send(JSON.stringify({ type: 'send', nonce: `spoof${i}`, text: 'hi', ...spoof }));
    const refusal = await socket.next(
      (frame) => frame.nonce === null && frame.type === 'refused',
      i,
    );
    assert.equal(refusal.code, 'bad_frame');
    assert.match(refusal.message, new RegExp(Object.keys(spoof)[0]!));
  }
  await sleep(500);
  assert.equal(onB.entries.length, before, 'no message went out');
  socket.close();

  const token = (await readFile(join(dir, 'edge-a/admin-token'), 'utf8')).trim();
  const ban = await fetch(`${b.url}/api/v1/chat/rooms/hall/bans`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ subject: me.id, reason: 'test' }),
  });
  assert.equal(ban.status, 201);
  for (const client of [onA, onB]) {
    client.send('let me in', 'after-ban');
    const reply = await client.reply('after-ban');
    assert.equal(reply.type, 'refused');
    assert.ok(reply.type === 'refused');
    assert.equal(reply.code, 'banned');
    assert.equal(reply.message, 'you are banned from this chat');
  }
  onA.close();
  onB.close();
});

test("a page on another site cannot open the chat with a viewer's cookie", async () => {
  const [a] = edges as [typeof edges[0]];
  const cookie = await chatGuestCookie(a.url);
  await assert.rejects(rawSocket(a.url, cookie, 'https://evil.example'), /handshake answered 403/);
  await assert.rejects(rawSocket(a.url, cookie, 'null'), /handshake answered 403/);
  // The watch page itself is on the edge's origin: it connects.
  const own = await rawSocket(a.url, cookie, new URL(a.url).origin);
  assert.equal((await own.next((frame) => frame.type === 'welcome')).you.canPost, true);
  own.close();
});

/** A bare socket for frames the test client would never send. */
async function rawSocket(edgeUrl: string, cookie: string, origin?: string) {
  const { default: WebSocket } = await import('ws');
  const socket = new WebSocket(`${edgeUrl.replace(/^http/, 'ws')}/api/v1/chat/rooms/hall/ws`, {
    headers: { cookie, ...(origin ? { origin } : {}) },
  });
  socket.on('unexpected-response', (_request, response) => {
    socket.emit('error', new Error(`handshake answered ${response.statusCode}`));
  });
  // deno-lint-ignore no-explicit-any
  const frames: any[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return {
    send: (text: string) => socket.send(text),
    /** The `index`-th frame (from 0) that matches. */
    // deno-lint-ignore no-explicit-any
    async next(match: (frame: any) => boolean, index = 0) {
      for (let waited = 0; waited < 5000; waited += 50) {
        const frame = frames.filter(match)[index];
        if (frame) return frame;
        await sleep(50);
      }
      throw new Error('no such frame');
    },
    close: () => socket.terminate(),
  };
}
