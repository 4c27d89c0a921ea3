import assert from 'node:assert/strict';
import { test } from 'node:test';
import { derivePlayerState, type PlaybackPhase, PLAYER_STATES, statusText } from './states.ts';

const live = (playback: PlaybackPhase, unsupported = false) =>
  derivePlayerState({ room: 'live', playback, unsupported });

test('a live room: starting until frames move, reconnecting when stuck', () => {
  assert.equal(live('idle').state, 'starting');
  assert.equal(live('starting').state, 'starting');
  assert.equal(live('playing').state, 'playing');
  assert.equal(live('stuck').state, 'reconnecting');
});

test('a room that is not live shows its state whatever playback was doing', () => {
  for (const room of ['backSoon', 'offline', 'ended'] as const) {
    for (const playback of ['idle', 'playing', 'stuck'] as const) {
      assert.deepEqual(derivePlayerState({ room, playback, unsupported: false }), {
        state: room,
        problem: null,
      });
    }
  }
  assert.equal(
    derivePlayerState({ room: 'loading', playback: 'idle', unsupported: true }).state,
    'loading',
  );
});

test('errors: a bad address, an unknown room, a browser without HLS (only when live)', () => {
  const bad = derivePlayerState({ room: 'invalid', playback: 'idle', unsupported: false });
  assert.deepEqual(bad, { state: 'error', problem: 'badRoomId' });
  const missing = derivePlayerState({ room: 'missing', playback: 'idle', unsupported: false });
  assert.deepEqual(missing, { state: 'error', problem: 'noSuchRoom' });
  assert.deepEqual(live('playing', true), { state: 'error', problem: 'unsupported' });
  assert.equal(
    derivePlayerState({ room: 'offline', playback: 'idle', unsupported: true }).state,
    'offline',
  );
});

test('every state but playing says something; errors say which', () => {
  for (const state of PLAYER_STATES) {
    const text = statusText({ state, problem: state === 'error' ? 'noSuchRoom' : null });
    assert.equal(text.title === '', state === 'playing', state);
  }
  assert.equal(statusText({ state: 'backSoon', problem: null }).title, 'Be right back');
  assert.equal(statusText({ state: 'ended', problem: null }).title, 'This event has ended');
  assert.match(statusText({ state: 'error', problem: 'unsupported' }).title, /cannot play HLS/);
  assert.equal(statusText({ state: 'error', problem: 'noSuchRoom' }).title, 'No such room');
});
