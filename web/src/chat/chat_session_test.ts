// The session and its connection against fake links: resuming, deduplicating, falling back
// to the event stream, sending and its refusals, joining as a guest, live settings.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type {
  ChatEntry,
  ChatMessage,
  ChatServerFrame,
  ChatSettings,
  ChatYou,
} from '../../../core/wire/chat.ts';
import type { PostAnswer } from './chat_api.ts';
import {
  type ChatSession,
  createChatSession,
  LOST_WHILE_SENDING,
  NOT_CONNECTED,
} from './chat_session.ts';
import type { LinkEvents, LinkOpener } from './connection.ts';
import { PING_MS } from './connection.ts';
import { OPEN_ROOM } from './testing.ts';

const flush = () => new Promise((resolve) => setImmediate(resolve));

const SETTINGS = OPEN_ROOM;
const GUEST = { id: 'g:me', name: 'guest-mmmm', role: 'guest' as const };
const NOBODY: ChatYou = {
  author: null,
  canPost: false,
  reason: 'join the chat to post',
  canModerate: false,
};
const ME: ChatYou = { author: GUEST, canPost: true, reason: null, canModerate: false };

const message = (seq: number): ChatMessage => ({
  kind: 'message',
  channel: 'room:demo',
  seq,
  at: seq * 1000,
  author: { id: 'g:other', name: 'guest-oooo', role: 'guest' },
  text: `m${seq}`,
});

interface FakeLink {
  kind: 'websocket' | 'sse';
  url: string;
  sent: string[];
  closed: boolean;
  open: boolean;
  frame(frame: ChatServerFrame): void;
  welcome(over?: Record<string, unknown>): void;
  entries(...entries: ChatEntry[]): void;
  /** The link fails or ends (from the other side). */
  drop(): void;
}

function fakeNetwork() {
  const links: FakeLink[] = [];
  const opener = (kind: FakeLink['kind']): LinkOpener => (url: string, events: LinkEvents) => {
    const link: FakeLink = {
      kind,
      url,
      sent: [],
      closed: false,
      open: true,
      frame: (frame) => events.message(JSON.stringify(frame)),
      welcome: (over = {}) =>
        link.frame({
          type: 'welcome',
          channel: 'room:demo',
          you: NOBODY,
          settings: SETTINGS,
          history: [],
          reset: false,
          cursor: 0,
          ...over,
        } as ChatServerFrame),
      entries: (...entries) => link.frame({ type: 'entries', entries }),
      drop() {
        link.open = false;
        events.closed();
      },
    };
    links.push(link);
    return {
      send(data) {
        if (!link.open || kind === 'sse') return false;
        link.sent.push(data);
        return true;
      },
      close() {
        link.open = false;
        link.closed = true;
      },
    };
  };
  return { links, socket: opener('websocket'), events: opener('sse'), last: () => links.at(-1)! };
}

interface Setup {
  session: ChatSession;
  net: ReturnType<typeof fakeNetwork>;
  posts: string[];
  edge: { answers: boolean; postAnswer: PostAnswer; joins: number; signIns: string[] };
}

function setup(t: TestContext): Setup {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  const net = fakeNetwork();
  const posts: string[] = [];
  const edge = {
    answers: true,
    joins: 0,
    signIns: [] as string[],
    postAnswer: { ok: true, message: message(99) } as PostAnswer,
  };
  const session = createChatSession({ kind: 'rooms', id: 'demo' }, {
    pageUrl: 'https://edge.example/watch/demo',
    openSocket: net.socket,
    openEvents: net.events,
    edgeAnswers: () => Promise.resolve(edge.answers),
    joinAsGuest: () => {
      edge.joins++;
      return Promise.resolve(GUEST);
    },
    signIn: (email, password) => {
      if (password !== 'right') return Promise.reject(new Error('wrong email or password'));
      edge.signIns.push(email);
      return Promise.resolve(ME.author);
    },
    postMessage: (_room, text) => {
      posts.push(text);
      return Promise.resolve(edge.postAnswer);
    },
    deleteMessage: () => Promise.resolve(),
    now: () => 1_000_000,
    random: () => 0,
  });
  session.start();
  t.after(() => session.dispose());
  return { session, net, posts, edge };
}

const shown = (session: ChatSession) => session.snapshot().messages.map((m) => m.seq);

test('joins with history, then resumes after the last entry without losing or repeating', (t) => {
  const { session, net } = setup(t);
  assert.equal(net.last().url, 'wss://edge.example/api/v1/chat/rooms/demo/ws');
  assert.equal(session.snapshot().status, 'connecting');
  net.last().welcome({ history: [message(1), message(2)], cursor: 2 });
  assert.equal(session.snapshot().status, 'live');
  net.last().entries(message(3));
  assert.deepEqual(shown(session), [1, 2, 3]);

  net.last().drop();
  assert.equal(session.snapshot().status, 'reconnecting');
  t.mock.timers.tick(250); // the first wait: 0.5 s at most, 0.25 s with random() = 0
  assert.equal(net.links.length, 2);
  assert.equal(net.last().url, 'wss://edge.example/api/v1/chat/rooms/demo/ws?after=3');
  net.last().welcome({ cursor: 6 });
  // The edge replays from 3 on; an overlap (3 again) changes nothing.
  net.last().entries(message(3), message(4), message(5));
  net.last().entries({ kind: 'delete', channel: 'room:demo', seq: 6, at: 0, target: 2 });
  assert.deepEqual(shown(session), [1, 3, 4, 5]);
  assert.equal(session.snapshot().cursor, 6);
  assert.equal(session.snapshot().status, 'live');
});

test('reconnects back off (with the spread) and start over after a welcome', async (t) => {
  const { net, edge } = setup(t);
  edge.answers = false; // network down: socket failures say nothing about sockets
  net.last().welcome();
  net.last().drop();
  const waits: number[] = [];
  for (let i = 0; i < 6; i++) {
    const before = net.links.length;
    let waited = 0;
    while (net.links.length === before) {
      t.mock.timers.tick(50);
      waited += 50;
      await flush();
    }
    waits.push(waited);
    net.last().drop();
    await flush();
  }
  assert.deepEqual(waits, [250, 500, 1000, 2000, 4000, 7500]);
  assert.ok(net.links.every((link) => link.kind === 'websocket'), 'stays on the socket');
});

test('a socket refused twice before a welcome while HTTP works: the event stream + posts', async (t) => {
  const { session, net, posts } = setup(t);
  net.last().drop();
  await flush();
  t.mock.timers.tick(250);
  assert.equal(net.last().kind, 'websocket');
  net.last().drop();
  await flush();
  assert.equal(net.last().kind, 'sse', 'the second failure switches at once');
  assert.equal(net.last().url, '/api/v1/chat/rooms/demo/events');
  assert.equal(session.snapshot().transport, 'sse');
  net.last().welcome({ you: ME, history: [message(1)], cursor: 1 });
  assert.equal(session.snapshot().status, 'live');
  assert.equal(await session.send('hello'), true);
  assert.deepEqual(posts, ['hello']);

  // Its reconnects resume too, on the stream.
  net.last().drop();
  await flush();
  t.mock.timers.tick(250);
  assert.equal(net.last().url, '/api/v1/chat/rooms/demo/events?after=1');
});

test('one failure, then a welcome: the count of socket failures starts again', async (t) => {
  const { net } = setup(t);
  net.last().drop();
  await flush();
  t.mock.timers.tick(250);
  net.last().welcome();
  net.last().drop();
  await flush();
  t.mock.timers.tick(250);
  net.last().drop(); // one failure before a welcome again: still the socket
  await flush();
  t.mock.timers.tick(500);
  assert.equal(net.last().kind, 'websocket');
});

test('sending on the socket: sent, refused with a wait, and a drop while waiting', async (t) => {
  const { session, net } = setup(t);
  net.last().welcome({ you: ME });
  const first = session.send('hi there');
  assert.equal(session.snapshot().sending, true);
  const frame = JSON.parse(net.last().sent[0]!);
  assert.deepEqual(Object.keys(frame), ['type', 'nonce', 'text']);
  assert.equal(frame.text, 'hi there');
  net.last().frame({ type: 'sent', nonce: frame.nonce, seq: 7 });
  assert.equal(await first, true);
  assert.equal(session.snapshot().sending, false);

  const second = session.send('again');
  const nonce = JSON.parse(net.last().sent[1]!).nonce;
  net.last().frame({
    type: 'refused',
    nonce,
    code: 'slow_mode',
    message: 'slow mode: one message every 10 s',
    retryAfterSeconds: 10,
  });
  assert.equal(await second, false);
  assert.deepEqual(session.snapshot().notice, {
    text: 'Slow mode: one message every 10 s.',
    retryAt: 1_000_000 + 10_000,
  });

  const third = session.send('lost?');
  net.last().drop();
  assert.equal(await third, false);
  assert.equal(session.snapshot().notice?.text, LOST_WHILE_SENDING);
  assert.equal(await session.send('offline'), false);
  assert.equal(session.snapshot().notice?.text, NOT_CONNECTED);
});

test('pings keep a quiet socket open', (t) => {
  const { net } = setup(t);
  net.last().welcome();
  t.mock.timers.tick(PING_MS * 2);
  assert.deepEqual(net.last().sent, ['{"type":"ping"}', '{"type":"ping"}']);
});

test('join: a guest identity, then a reconnect that resumes with it', async (t) => {
  const { session, net, edge } = setup(t);
  net.last().welcome({ history: [message(1)], cursor: 1 });
  assert.equal(session.snapshot().box?.kind, 'join');
  const joined = session.join();
  assert.equal(session.snapshot().joining, true);
  await joined;
  assert.equal(edge.joins, 1);
  assert.equal(net.links[0]!.closed, true);
  assert.equal(net.last().url, 'wss://edge.example/api/v1/chat/rooms/demo/ws?after=1');
  assert.equal(session.snapshot().joining, true, 'until the new connection is welcomed');
  net.last().welcome({ you: ME, cursor: 1 });
  assert.equal(session.snapshot().joining, false);
  assert.equal(session.snapshot().box?.kind, 'ready');
  assert.deepEqual(shown(session), [1]);
});

test('sign in: a refusal is the notice and nothing reconnects; then an account, and a reconnect as it', async (t) => {
  const { session, net, edge } = setup(t);
  net.last().welcome({ history: [message(1)], cursor: 1 });
  assert.equal(await session.signIn('ada@example.test', 'wrong'), false);
  assert.equal(session.snapshot().notice?.text, 'Wrong email or password.');
  assert.equal(net.links.length, 1, 'no reconnect after a refused sign-in');
  assert.equal(await session.signIn('ada@example.test', 'right'), true);
  assert.deepEqual(edge.signIns, ['ada@example.test']);
  assert.equal(session.snapshot().notice, null);
  assert.equal(net.last().url, 'wss://edge.example/api/v1/chat/rooms/demo/ws?after=1');
  net.last().welcome({ you: ME, cursor: 1 });
  assert.equal(session.snapshot().box?.kind, 'ready');
});

test('join, but the next welcome has no identity: the cookie was not kept', async (t) => {
  const { session, net } = setup(t);
  net.last().welcome();
  await session.join();
  net.last().welcome({ you: NOBODY });
  assert.equal(session.snapshot().box?.kind, 'cookieBlocked');
});

test('settings entries change what the box offers, live', (t) => {
  const { session, net } = setup(t);
  net.last().welcome({ you: ME, cursor: 0 });
  const settings = (seq: number, over: Partial<ChatSettings>): ChatEntry => ({
    kind: 'settings',
    channel: 'room:demo',
    seq,
    at: 0,
    settings: { ...SETTINGS, ...over },
  });
  net.last().entries(settings(1, { mode: 'off' }));
  assert.equal(session.snapshot().box?.kind, 'off');
  net.last().entries(settings(2, { mode: 'members' }));
  assert.equal(session.snapshot().box?.kind, 'membersOnly');
  net.last().entries(settings(3, { mode: 'open' }));
  assert.equal(session.snapshot().box?.kind, 'ready');
});

test('after dispose nothing reconnects', async (t) => {
  const { session, net } = setup(t);
  net.last().welcome();
  session.dispose();
  assert.equal(net.last().closed, true);
  t.mock.timers.tick(60_000);
  await flush();
  assert.equal(net.links.length, 1);
});

test('a text too big for any frame is refused here, in the edge words, without sending', async (t) => {
  const { session, net, posts } = setup(t);
  net.last().welcome({ you: ME });
  const huge = '漢'.repeat(2100); // 6300 bytes of UTF-8 but 2100 UTF-16 units: too big to post
  assert.equal(await session.send(huge), false);
  assert.equal(session.snapshot().notice?.text, 'The message is 2100 characters; at most 500.');
  // 1501 units, but each control character is 6 bytes in JSON: over the frame limit.
  assert.equal(await session.send('\u0001'.repeat(1500) + 'x'), false);
  assert.equal(session.snapshot().notice?.text, 'The message is 1501 characters; at most 500.');
  assert.deepEqual(net.last().sent, []);
  assert.deepEqual(posts, []);
  assert.equal(session.snapshot().sending, false);
});
