// The chat API through the whole app (real drizzle + libSQL, in-memory live store):
// identities from the cookie only, posting and its refusals, moderation and its log,
// the crew channel's fence, the replay, the event stream with resume.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ChatMessage, ChatServerFrame } from '../../core/wire/chat.ts';
import { createTestEdge, TEST_SETTINGS, type TestEdge } from '../testing.ts';

let edge: TestEdge;

beforeEach(async () => {
  // The address of each test browser comes from X-Forwarded-For (as behind a proxy).
  edge = await createTestEdge({
    settings: { chat: { ...TEST_SETTINGS.chat, trustForwardedFor: true } },
  });
  assert.equal(
    (await edge.asOperator('POST', '/api/v1/events', { id: 'conf', title: 'Conf' })).status,
    201,
  );
  const room = await edge.asOperator('POST', '/api/v1/rooms', {
    id: 'main',
    title: 'Main',
    eventId: 'conf',
  });
  assert.equal(room.status, 201);
});
afterEach(() => edge.close());

/** A browser: keeps the chat cookie the edge sets, like a real one. */
function browser(
  addr = `198.51.100.${Math.floor(Math.random() * 250) + 1}.${crypto.randomUUID().slice(0, 4)}`,
) {
  let cookie = '';
  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const response = await edge.app.request(path, {
      method,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        'x-forwarded-for': addr,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = response.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
    return response;
  };
  return {
    call,
    cookie: () => cookie,
    post: (text: string, room = 'main') =>
      call('POST', `/api/v1/chat/rooms/${room}/messages`, { text }),
  };
}

async function accountToken(role: string, name: string): Promise<string> {
  const email = `${name}@example.test`;
  const created = await edge.asOperator('POST', '/api/v1/accounts', {
    email,
    role,
    name,
    password: 'correct horse battery',
  });
  assert.equal(created.status, 201, await created.clone().text());
  const login = await edge.app.request('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'correct horse battery' }),
  });
  return (await login.json()).token;
}

async function signedIn(role: string, name: string) {
  const person = browser();
  const response = await person.call(
    'POST',
    '/api/v1/chat/identity',
    {},
    await accountToken(role, name),
  );
  assert.equal(response.status, 200);
  return person;
}

async function guest() {
  const person = browser();
  const response = await person.call('POST', '/api/v1/chat/identity', { guest: true });
  assert.equal(response.status, 200);
  return person;
}

/** Reads an event stream's frames until `count` entries (or `ms` passed). */
async function readStream(response: Response, untilEntries: number, ms = 3000) {
  const reader = response.body!.getReader();
  const frames: ChatServerFrame[] = [];
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + ms;
  const done = () =>
    frames.some((f) => f.type === 'welcome') &&
    frames.filter((f) => f.type === 'entry').length >= untilEntries;
  while (!done() && Date.now() < deadline) {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), deadline - Date.now())),
    ]);
    if (!chunk || chunk.done) break;
    text += decoder.decode(chunk.value);
    let end;
    while ((end = text.indexOf('\n\n')) >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) =>
        l.slice(5).trim()
      );
      if (data.length) frames.push(JSON.parse(data.join('\n')));
    }
  }
  await reader.cancel();
  return frames;
}

describe('who is chatting', () => {
  it('a guest gets a name from the edge, kept in an HttpOnly cookie for the chat API only', async () => {
    const person = browser();
    const response = await person.call('POST', '/api/v1/chat/identity', { guest: true });
    const setCookie = response.headers.get('set-cookie')!;
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /Path=\/api\/v1\/chat/);
    assert.match(setCookie, /SameSite=Lax/i);
    const { author } = await response.json();
    assert.match(author.name, /^guest-[a-z0-9]{4}$/);
    assert.match(author.id, /^g:/);
    assert.equal(author.role, 'guest');
    // The same browser stays the same guest.
    const again = await (await person.call('GET', '/api/v1/chat/identity')).json();
    assert.deepEqual(again.author, author);
  });

  it('on https the cookie also works in an embed on another site: SameSite=None, Secure, Partitioned', async () => {
    await edge.close();
    edge = await createTestEdge({ settings: { publicUrl: 'https://watch.example' } });
    const response = await edge.app.request('/api/v1/chat/identity', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"guest":true}',
    });
    const setCookie = response.headers.get('set-cookie')!;
    for (const attribute of [/SameSite=None/i, /; Secure/i, /; Partitioned/i, /HttpOnly/i]) {
      assert.match(setCookie, attribute);
    }
    const cookie = setCookie.split(';')[0]!;
    const gone = await edge.app.request('/api/v1/chat/identity', {
      method: 'DELETE',
      headers: { cookie },
    });
    // Removing a partitioned cookie takes the same attributes.
    assert.match(gone.headers.get('set-cookie')!, /Max-Age=0.*Partitioned|Partitioned.*Max-Age=0/i);
  });

  it('a signed-in account chats under its name and role, from the database', async () => {
    const person = await signedIn('viewer', 'Ada');
    const { author } = await (await person.call('GET', '/api/v1/chat/identity')).json();
    assert.equal(author.name, 'Ada');
    assert.equal(author.role, 'viewer');
    assert.match(author.id, /^a:/);
  });

  it('a forged or altered cookie is nobody', async () => {
    const person = await guest();
    const [payload] = person.cookie().split('=')[1]!.split('.');
    const forged = JSON.stringify({ k: 'g', id: 'x', name: 'admin', exp: Date.now() + 1e9 });
    for (
      const value of [
        `${btoa(forged)}.${person.cookie().split('.')[1]}`,
        `${payload}.AAAA`,
        'garbage',
        `${payload}`,
      ]
    ) {
      const response = await edge.app.request('/api/v1/chat/identity', {
        headers: { cookie: `roomcast_chat=${value}` },
      });
      assert.deepEqual(await response.json(), { author: null }, value);
    }
  });

  it('requests from pages on other sites are refused; the edge, its public URL and CORS origins pass', async () => {
    await edge.close();
    edge = await createTestEdge({
      settings: { corsOrigins: ['https://partner.example'] },
    });
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'main', title: 'Main' });
    const from = (origin: string, host = 'edge.internal:8080') =>
      edge.app.request(`http://${host}/api/v1/chat/identity`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: '{"guest":true}',
      });
    for (
      const origin of ['https://evil.example', 'null', 'http://edge.internal:8080.evil.example']
    ) {
      const refused = await from(origin);
      assert.equal(refused.status, 403, origin);
      assert.equal(refused.headers.get('set-cookie'), null);
      assert.match((await refused.json()).error.message, /corsOrigins/);
    }
    for (
      const origin of ['http://edge.internal:8080', 'http://edge.test', 'https://partner.example']
    ) {
      assert.equal((await from(origin)).status, 200, origin);
    }
    // No Origin: not a page (a CLI, a test client), so no visitor's cookie is at stake.
    const bare = await edge.app.request('/api/v1/chat/identity', { method: 'GET' });
    assert.equal(bare.status, 200);
  });

  it('name, role and id in a posted body are refused; the message names the field', async () => {
    const person = await guest();
    for (const extra of [{ name: 'admin' }, { role: 'admin' }, { userId: 'a:1' }, { author: {} }]) {
      const response = await person.call('POST', '/api/v1/chat/rooms/main/messages', {
        text: 'hi',
        ...extra,
      });
      assert.equal(response.status, 400);
      assert.match((await response.json()).error.message, new RegExp(Object.keys(extra)[0]!));
    }
  });

  it('a revoked login ends the chat identity with it', async () => {
    const token = await accountToken('viewer', 'Bob');
    const person = browser();
    await person.call('POST', '/api/v1/chat/identity', {}, token);
    assert.equal((await person.post('hello')).status, 201);
    await edge.app.request('/api/v1/auth/logout', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    const after = await person.post('still me?');
    assert.equal(after.status, 403);
    assert.match((await after.json()).error.message, /join the chat|sign in/);
  });
});

describe('posting', () => {
  it('a message comes back numbered, with the author the edge knows', async () => {
    const person = await guest();
    const response = await person.post('  hello\nworld\u202e  ');
    assert.equal(response.status, 201);
    const message: ChatMessage = await response.json();
    assert.equal(message.text, 'hello world');
    assert.equal(message.seq, 1);
    assert.equal(message.channel, 'room:main');
    assert.equal(message.author.role, 'guest');
  });

  it('refusals say why: empty, too long, links from guests, no room', async () => {
    const person = await guest();
    const cases: [string, number, RegExp][] = [
      ['   ', 400, /empty/],
      ['x'.repeat(501), 400, /501 characters; at most 500/],
      ['see https://spam.example', 400, /sign in to post links/],
      ['visit spam.com now', 400, /sign in to post links/],
    ];
    for (const [text, status, message] of cases) {
      const response = await person.post(text);
      assert.equal(response.status, status, text);
      assert.match((await response.json()).error.message, message);
    }
    const nowhere = await person.post('hi', 'no-such-room');
    assert.equal(nowhere.status, 404);
    const signed = await signedIn('viewer', 'Linda');
    assert.equal((await signed.post('see https://example.org/talk')).status, 201);
  });

  it('nobody without an identity can post; guests only where guests are allowed', async () => {
    const nobody = browser();
    const refused = await nobody.post('hi');
    assert.equal(refused.status, 403);
    const moderator = await signedIn('moderator', 'Mo');
    await moderator.call('PATCH', '/api/v1/chat/rooms/main/settings', { guests: false });
    const visitor = await guest();
    const response = await visitor.post('hi');
    assert.equal(response.status, 403);
    assert.match((await response.json()).error.message, /only signed-in viewers/);
    assert.equal((await (await signedIn('viewer', 'Vi')).post('hi')).status, 201);
  });

  it('per-user rate limit (5 in 10 s) with Retry-After; the window passing lets one post again', async () => {
    const person = await guest();
    for (let i = 0; i < 5; i++) assert.equal((await person.post(`m${i}`)).status, 201);
    const limited = await person.post('one too many');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '10');
    assert.match((await limited.json()).error.message, /at most 5 in 10 s/);
    edge.advance(10_001);
    assert.equal((await person.post('again')).status, 201);
  });

  it('per-address rate limit: many guests from one address share 20 per 10 s', async () => {
    let sent = 0;
    let limited = 0;
    for (let i = 0; i < 6; i++) {
      const person = browser('203.0.113.9');
      await person.call('POST', '/api/v1/chat/identity', { guest: true });
      for (let j = 0; j < 4; j++) {
        const status = (await person.post(`g${i}-${j}`)).status;
        if (status === 201) sent++;
        if (status === 429) limited++;
      }
    }
    assert.equal(sent, 20);
    assert.equal(limited, 4);
  });
});

describe('moderation', () => {
  it('slow mode, chat off and members only, set live by a moderator and announced', async () => {
    const moderator = await signedIn('moderator', 'Mo');
    const person = await guest();
    const settings = await moderator.call('PATCH', '/api/v1/chat/rooms/main/settings', {
      slowModeSeconds: 30,
    });
    assert.equal(settings.status, 200);
    assert.equal((await settings.json()).slowModeSeconds, 30);
    // Anyone may read them back (every joining reader gets them in the welcome anyway).
    const read = await person.call('GET', '/api/v1/chat/rooms/main/settings');
    assert.deepEqual(await read.json(), {
      mode: 'open',
      slowModeSeconds: 30,
      links: 'members',
      guests: true,
      maxLength: 500,
    });
    assert.equal((await person.post('one')).status, 201);
    const slow = await person.post('two');
    assert.equal(slow.status, 429);
    assert.match((await slow.json()).error.message, /slow mode: one message every 30 s/);
    // Moderators are not slowed down.
    assert.equal((await moderator.post('a')).status, 201);
    assert.equal((await moderator.post('b')).status, 201);

    await moderator.call('PATCH', '/api/v1/chat/rooms/main/settings', { mode: 'off' });
    edge.advance(31_000);
    const off = await person.post('three');
    assert.equal(off.status, 403);
    assert.match((await off.json()).error.message, /chat is off/);

    await moderator.call('PATCH', '/api/v1/chat/rooms/main/settings', { mode: 'members' });
    assert.equal((await person.post('four')).status, 403);
    assert.equal((await (await signedIn('viewer', 'Member')).post('five')).status, 201);
  });

  it('viewers and guests cannot moderate; bad settings are named', async () => {
    const viewer = await signedIn('viewer', 'Vic');
    const refused = await viewer.call('PATCH', '/api/v1/chat/rooms/main/settings', { mode: 'off' });
    assert.equal(refused.status, 403);
    const visitor = await guest();
    assert.equal(
      (await visitor.call('PATCH', '/api/v1/chat/rooms/main/settings', { mode: 'off' })).status,
      401,
    );
    const bad = await edge.asOperator('PATCH', '/api/v1/chat/rooms/main/settings', {
      mode: 'loud',
      slowModeSeconds: -1,
    });
    assert.equal(bad.status, 400);
    const message = (await bad.json()).error.message;
    assert.match(message, /'mode'/);
    assert.match(message, /'slowModeSeconds'/);
  });

  it('a ban refuses every send with a clear error; a time-out ends by itself; unban lifts', async () => {
    const person = await guest();
    const posted: ChatMessage = await (await person.post('first')).json();
    const ban = await edge.asOperator('POST', '/api/v1/chat/rooms/main/bans', {
      subject: posted.author.id,
      reason: 'spam',
    });
    assert.equal(ban.status, 201);
    const banned = await person.post('second');
    assert.equal(banned.status, 403);
    assert.deepEqual((await banned.json()).error, {
      code: 'forbidden',
      message: 'you are banned from this chat',
      reason: 'banned', // the same code the socket's refusal frame carries
    });

    const lifted = await edge.asOperator(
      'DELETE',
      `/api/v1/chat/rooms/main/bans/${encodeURIComponent(posted.author.id)}`,
    );
    assert.equal(lifted.status, 200);
    assert.equal((await person.post('third')).status, 201);

    await edge.asOperator('POST', '/api/v1/chat/rooms/main/bans', {
      subject: posted.author.id,
      seconds: 60,
    });
    const out = await person.post('fourth');
    assert.equal(out.status, 403);
    assert.match((await out.json()).error.message, /timed out for 60 s more/);
    edge.advance(61_000);
    assert.equal((await person.post('fifth')).status, 201);

    const log = await (await edge.asOperator('GET', '/api/v1/chat/rooms/main/moderation')).json();
    assert.deepEqual(log.actions.map((a: { action: string }) => a.action).sort(), [
      'ban',
      'timeout',
      'unban',
    ]);
    assert.ok(log.actions.every((a: { subject: string }) => a.subject === posted.author.id));
  });

  it('a ban everywhere counts in other rooms too', async () => {
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'side', title: 'Side', eventId: 'conf' });
    const person = await guest();
    const posted: ChatMessage = await (await person.post('hi')).json();
    await edge.asOperator('POST', '/api/v1/chat/rooms/main/bans', {
      subject: posted.author.id,
      everywhere: true,
    });
    assert.equal((await person.post('hi', 'side')).status, 403);
  });

  it('a deleted message is gone from history and replay, and the delete is an entry', async () => {
    const person = await guest();
    const keep: ChatMessage = await (await person.post('keep me')).json();
    const drop: ChatMessage = await (await person.post('drop me')).json();
    const response = await edge.asOperator(
      'DELETE',
      `/api/v1/chat/rooms/main/messages/${drop.seq}?reason=rude`,
    );
    assert.equal(response.status, 200);
    assert.equal(
      (await edge.asOperator('DELETE', `/api/v1/chat/rooms/main/messages/${drop.seq}`)).status,
      404,
    );
    const stream = await edge.app.request('/api/v1/chat/rooms/main/events');
    const [welcome] = await readStream(stream, 0, 300);
    assert.ok(welcome?.type === 'welcome');
    assert.deepEqual(welcome.history.map((m) => m.seq), [keep.seq]);
    const resumed = await readStream(
      await edge.app.request(`/api/v1/chat/rooms/main/events?after=${keep.seq}`),
      1,
    );
    // The deleted message itself is not replayed, only that it went.
    const entries = resumed.filter((f) => f.type === 'entry');
    assert.equal(entries.length, 1);
    const entry = entries[0];
    assert.deepEqual(entry?.type === 'entry' && entry.entry, {
      kind: 'delete',
      channel: 'room:main',
      seq: drop.seq + 1,
      at: entry?.type === 'entry' ? entry.entry.at : 0,
      target: drop.seq,
    });
  });
});

describe('the crew channel', () => {
  it('admins, operators, moderators and owners of the event rooms only', async () => {
    const path = '/api/v1/chat/crew/conf/messages';
    const visitor = await guest();
    assert.equal((await visitor.call('POST', path, { text: 'hi' })).status, 401);
    const viewer = await signedIn('viewer', 'Vee');
    assert.equal((await viewer.call('POST', path, { text: 'hi' })).status, 403);
    const owner = await signedIn('streamer', 'Olga');
    assert.equal((await owner.call('POST', path, { text: 'hi' })).status, 403);
    const me = await (await owner.call('GET', '/api/v1/chat/identity')).json();
    await edge.asOperator('PATCH', '/api/v1/rooms/main', { ownerAccountId: me.author.id.slice(2) });
    assert.equal((await owner.call('POST', path, { text: 'room main: audio ok' })).status, 201);
    const operator = await signedIn('operator', 'Otto');
    assert.equal((await operator.call('POST', path, { text: 'thanks' })).status, 201);
    const stream = await operator.call('GET', '/api/v1/chat/crew/conf/events');
    const [welcome] = await readStream(stream, 0, 300);
    assert.ok(welcome?.type === 'welcome');
    assert.deepEqual(welcome.history.map((m) => m.text), ['room main: audio ok', 'thanks']);
    // Not visible from the room's public chat.
    const publicStream = await edge.app.request('/api/v1/chat/rooms/main/events');
    const [publicWelcome] = await readStream(publicStream, 0, 300);
    assert.ok(publicWelcome?.type === 'welcome');
    assert.deepEqual(publicWelcome.history, []);
    assert.equal((await viewer.call('GET', '/api/v1/chat/crew/conf/events')).status, 403);
  });
});

describe('history', () => {
  it('joining shows the last 200 messages; resuming gives exactly what was missed', async () => {
    const people = await Promise.all(Array.from({ length: 45 }, () => guest()));
    for (let i = 0; i < 225; i++) {
      const response = await people[i % 45]!.post(`message ${i}`);
      assert.equal(response.status, 201);
    }
    const [welcome] = await readStream(
      await edge.app.request('/api/v1/chat/rooms/main/events'),
      0,
      300,
    );
    assert.ok(welcome?.type === 'welcome');
    assert.equal(welcome.history.length, 200);
    assert.equal(welcome.history[0]!.text, 'message 25');
    assert.equal(welcome.history.at(-1)!.text, 'message 224');

    const resumed = await readStream(
      await edge.app.request('/api/v1/chat/rooms/main/events', {
        headers: { 'last-event-id': '220' },
      }),
      5,
    );
    const entries = resumed.flatMap((f) => (f.type === 'entry' ? [f.entry.seq] : []));
    assert.deepEqual(entries, [221, 222, 223, 224, 225]);
    assert.equal(
      (await edge.app.request('/api/v1/chat/rooms/main/events?after=abc')).status,
      400,
    );
  });

  it('a replay by time range, and retention drops what is older', async () => {
    const person = await guest();
    const start = edge.deps.now();
    await person.post('day one');
    edge.advance(40 * 86_400_000);
    // The guest cookie lasted 30 days: a new guest.
    assert.equal((await person.post('too late')).status, 403);
    assert.equal((await (await guest()).post('day forty')).status, 201);
    const iso = (ms: number) => new Date(ms).toISOString();
    const replay = await edge.app.request(
      `/api/v1/chat/rooms/main/replay?from=${iso(start - 1000)}&to=${iso(edge.deps.now() + 1000)}`,
    );
    assert.equal(replay.status, 200);
    assert.deepEqual((await replay.json()).messages.map((m: ChatMessage) => m.text), [
      'day one',
      'day forty',
    ]);
    assert.equal(await edge.chat.applyRetention(), 1);
    const after = await edge.app.request(
      `/api/v1/chat/rooms/main/replay?from=${iso(start - 1000)}&to=${iso(edge.deps.now() + 1000)}`,
    );
    assert.deepEqual((await after.json()).messages.map((m: ChatMessage) => m.text), ['day forty']);
    const backwards = await edge.app.request(
      `/api/v1/chat/rooms/main/replay?from=${iso(edge.deps.now())}&to=${iso(start)}`,
    );
    assert.equal(backwards.status, 400);
  });
});
