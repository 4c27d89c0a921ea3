import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { ApiError, type PlaybackGrant, type ReceivedGrant } from '../api.ts';
import type { Token } from './engine.ts';
import { createTokenKeeper, RENEW_RETRY_MS } from './token_keeper.ts';

const flush = () => new Promise((resolve) => setImmediate(resolve));

/** A fake edge: answers grants valid 300 s, or with the queued failures first. */
function fakeEdge() {
  const sessions: (string | null)[] = [];
  const failures: Error[] = [];
  let issued = 0;
  const request = (session: string | null): Promise<ReceivedGrant> => {
    sessions.push(session);
    const failure = failures.shift();
    if (failure) return Promise.reject(failure);
    issued++;
    const grant: PlaybackGrant = {
      v: 1,
      room: 'demo',
      url: `http://enc.example:8080/live/demo/master.m3u8?e=1&s=sess-1&t=hash${issued}`,
      tokenQuery: `e=1&s=sess-1&t=hash${issued}`,
      session: 'sess-1',
      expiresAt: new Date(Date.now() + 300_000).toISOString(),
    };
    return Promise.resolve({ grant, serverDate: null, receivedAtMs: Date.now() });
  };
  return { sessions, failures, request };
}

test('the first grant asks without a session; renewals come halfway and keep it', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const edge = fakeEdge();
  const renewed: Token[] = [];
  const keeper = createTokenKeeper({
    request: edge.request,
    renewed: (token) => renewed.push(token),
    notLive: () => assert.fail('not expected'),
  });
  const first = await keeper.acquire();
  assert.equal(first.origin, 'http://enc.example:8080');
  assert.equal(first.tokenQuery, 'e=1&s=sess-1&t=hash1');
  assert.deepEqual(edge.sessions, [null]);

  t.mock.timers.tick(149_000);
  await flush();
  assert.equal(edge.sessions.length, 1, 'not renewed before halfway');
  t.mock.timers.tick(1_000);
  await flush();
  assert.deepEqual(edge.sessions, [null, 'sess-1']);
  assert.equal(renewed.length, 1);
  assert.equal(keeper.current()?.tokenQuery, 'e=1&s=sess-1&t=hash2');
  keeper.stop();
});

test('a failed renewal is retried every 5 s; a 409 says the room is not live', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const edge = fakeEdge();
  let notLive = 0;
  const keeper = createTokenKeeper({
    request: edge.request,
    renewed: () => {},
    notLive: () => notLive++,
  });
  await keeper.acquire();
  edge.failures.push(new ApiError(409, 'not live'), new Error('network down'));
  const debug = mock.method(console, 'debug', () => {});
  assert.equal(await keeper.renewNow(), false);
  assert.equal(notLive, 1);
  t.mock.timers.tick(RENEW_RETRY_MS);
  await flush();
  assert.equal(edge.sessions.length, 3);
  assert.equal(notLive, 1, 'a network failure is not a 409');
  t.mock.timers.tick(RENEW_RETRY_MS);
  await flush();
  assert.equal(edge.sessions.length, 4);
  assert.equal(keeper.current()?.tokenQuery, 'e=1&s=sess-1&t=hash2');
  debug.mock.restore();
  keeper.stop();
});

test('after stop no renewal runs and a late answer is dropped; the session stays', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const edge = fakeEdge();
  const renewed: Token[] = [];
  const keeper = createTokenKeeper({
    request: edge.request,
    renewed: (token) => renewed.push(token),
    notLive: () => {},
  });
  await keeper.acquire();
  const late = keeper.renewNow();
  keeper.stop();
  assert.equal(await late, false);
  assert.equal(keeper.current(), null);
  t.mock.timers.tick(600_000);
  await flush();
  assert.equal(edge.sessions.length, 2);
  assert.deepEqual(renewed, []);
  assert.equal(keeper.session(), 'sess-1');
  await keeper.acquire();
  assert.deepEqual(edge.sessions, [null, 'sess-1', 'sess-1']);
  keeper.stop();
});
