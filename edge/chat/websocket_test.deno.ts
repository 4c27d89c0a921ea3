// Chat's WebSocket on Deno: the same app and chat module as on Node, with Hono's Deno
// upgrade (main_deno.ts) on a real Deno.serve port. A guest connects with its cookie,
// gets the welcome, posts, and a second (anonymous) socket sees the message.
//   deno test --allow-all edge/chat/websocket_test.deno.ts
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatServerFrame } from '../../core/wire/chat.ts';
import { denoChatRuntime } from '../main_deno.ts';
import { createTestEdge } from '../testing.ts';

function frames(socket: WebSocket) {
  const seen: ChatServerFrame[] = [];
  socket.onmessage = (event) => seen.push(JSON.parse(event.data));
  return {
    seen,
    async next(match: (frame: ChatServerFrame) => boolean): Promise<ChatServerFrame> {
      for (let waited = 0; waited < 5000; waited += 20) {
        const frame = seen.find(match);
        if (frame) return frame;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error('no such frame');
    },
  };
}

test('chat over a WebSocket on Deno: welcome, post, delivery to another socket', async () => {
  const edge = await createTestEdge({ runtime: denoChatRuntime });
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, edge.app.fetch);
  try {
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'main', title: 'Main' });
    const base = `127.0.0.1:${server.addr.port}`;
    const identity = await fetch(`http://${base}/api/v1/chat/identity`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"guest":true}',
    });
    const cookie = identity.headers.get('set-cookie')!.split(';')[0]!;
    await identity.body?.cancel();

    const watcher = new WebSocket(`ws://${base}/api/v1/chat/rooms/main/ws`);
    const watched = frames(watcher);
    const welcome = await watched.next((f) => f.type === 'welcome');
    assert(welcome.type === 'welcome');
    assert.equal(welcome.you.canPost, false);

    // Deno's WebSocket takes request headers (not in the browser API): the chat cookie.
    const poster = new WebSocket(`ws://${base}/api/v1/chat/rooms/main/ws`, {
      headers: { cookie },
    } as unknown as string[]);
    const posted = frames(poster);
    const mine = await posted.next((f) => f.type === 'welcome');
    assert(mine.type === 'welcome');
    assert.equal(mine.you.canPost, true);
    poster.send(JSON.stringify({ type: 'send', nonce: 'n1', text: 'hello from Deno' }));
    const sent = await posted.next((f) => f.type === 'sent');
    assert.equal(sent.type === 'sent' && sent.seq, 1);
    const entry = await watched.next((f) => f.type === 'entry');
    assert(entry.type === 'entry' && entry.entry.kind === 'message');
    assert.equal(entry.entry.text, 'hello from Deno');
    assert.equal(entry.entry.author.role, 'guest');
    watcher.close();
    poster.close();
  } finally {
    await server.shutdown();
    await edge.close();
  }
});

test('a socket the edge hears nothing on is closed; one that pings stays open', async () => {
  const edge = await createTestEdge({ runtime: { ...denoChatRuntime, silentCloseMs: 600 } });
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, edge.app.fetch);
  try {
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'main', title: 'Main' });
    const url = `ws://127.0.0.1:${server.addr.port}/api/v1/chat/rooms/main/ws`;
    const open = (socket: WebSocket) =>
      new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
    const closed = (socket: WebSocket) =>
      new Promise<CloseEvent>((resolve) => socket.addEventListener('close', resolve));
    const silent = new WebSocket(url);
    const pinging = new WebSocket(url);
    await Promise.all([open(silent), open(pinging)]);
    const silentClosed = closed(silent);
    let pingingClosed = false;
    void closed(pinging).then(() => (pingingClosed = true));
    const pings = setInterval(() => pinging.send('{"type":"ping"}'), 150);
    const event = await silentClosed;
    assert.equal(event.code, 4000);
    assert.match(event.reason, /nothing heard/);
    await new Promise((resolve) => setTimeout(resolve, 700));
    clearInterval(pings);
    assert.equal(pingingClosed, false, 'the socket that pings is still open');
    pinging.close();
    await closed(pinging);
  } finally {
    await server.shutdown();
    await edge.close();
  }
});
