import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roomIdFromPath } from './room_id.ts';

test('the room of a watch or embed address', () => {
  assert.equal(roomIdFromPath('/watch/demo', 'watch'), 'demo');
  assert.equal(roomIdFromPath('/watch/main-hall/', 'watch'), 'main-hall');
  assert.equal(roomIdFromPath('/embed/r2', 'embed'), 'r2');
  assert.equal(roomIdFromPath(`/watch/a${'b'.repeat(62)}`, 'watch'), `a${'b'.repeat(62)}`);
});

test('addresses that cannot name a room', () => {
  for (
    const path of [
      '/watch/',
      '/watch/Main',
      '/watch/-x',
      '/watch/a_b',
      '/watch/a/b',
      '/watch/%2e%2e',
      `/watch/a${'b'.repeat(63)}`,
      '/embed/demo', // the other page
      '/',
    ]
  ) {
    assert.equal(roomIdFromPath(path, 'watch'), null, path);
  }
});
