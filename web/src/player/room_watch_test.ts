import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, type RoomDetail } from '../api.ts';
import { createRoomWatch, ROOM_POLL_MS } from './room_watch.ts';

const flush = () => new Promise((resolve) => setImmediate(resolve));

const room = (state: RoomDetail['state']): RoomDetail => ({
  id: 'demo',
  title: 'Demo',
  eventId: null,
  state,
  viewers: 0,
  watchUrl: '/watch/demo',
  playbackUrl: '/api/v1/public/rooms/demo/playback',
  chatUrl: '',
  thumbnailUrl: null,
  renditions: [],
  ingestAdvice: null,
});

test('polls at once and every 5 s; pollNow does not wait for the next turn', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const answers: (RoomDetail | Error)[] = [room('live'), room('live'), room('backSoon')];
  const seen: string[] = [];
  const watch = createRoomWatch({
    fetch: () => {
      const next = answers.shift() ?? room('offline');
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    room: (r) => seen.push(r.state),
    missing: () => seen.push('missing'),
    unreachable: () => seen.push('unreachable'),
  });
  watch.start();
  await flush();
  assert.deepEqual(seen, ['live']);
  t.mock.timers.tick(ROOM_POLL_MS - 1);
  await flush();
  assert.deepEqual(seen, ['live']);
  t.mock.timers.tick(1);
  await flush();
  assert.deepEqual(seen, ['live', 'live']);
  watch.pollNow();
  await flush();
  assert.deepEqual(seen, ['live', 'live', 'backSoon']);
  watch.stop();
  t.mock.timers.tick(ROOM_POLL_MS * 3);
  await flush();
  assert.equal(seen.length, 3, 'no polls after stop');
});

test('a 404 is a missing room, other failures leave the state as it was', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const answers = [new ApiError(503, 'busy'), new ApiError(404, 'no such room')];
  const seen: string[] = [];
  const watch = createRoomWatch({
    fetch: () => Promise.reject(answers.shift()),
    room: (r) => seen.push(r.state),
    missing: () => seen.push('missing'),
    unreachable: () => seen.push('unreachable'),
  });
  watch.start();
  await flush();
  t.mock.timers.tick(ROOM_POLL_MS);
  await flush();
  assert.deepEqual(seen, ['unreachable', 'missing']);
  watch.stop();
});

test('pollNow during a poll runs one more right after it', async () => {
  let release: (r: RoomDetail) => void = () => {};
  let calls = 0;
  const watch = createRoomWatch({
    fetch: () => {
      calls++;
      return calls === 1
        ? new Promise((resolve) => (release = resolve))
        : Promise.resolve(room('live'));
    },
    room: () => {},
    missing: () => {},
    unreachable: () => {},
  });
  watch.start();
  watch.pollNow();
  watch.pollNow();
  assert.equal(calls, 1);
  release(room('live'));
  await flush();
  assert.equal(calls, 2);
  watch.stop();
});
