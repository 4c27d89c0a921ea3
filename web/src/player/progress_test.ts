import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgressWatch } from './progress.ts';

test('advancing while the clock moves, stalled after the limit without movement', () => {
  const watch = createProgressWatch(4000);
  watch.reset(0);
  assert.equal(watch.observe(10, true, 0), 'waiting'); // first look: nothing to compare
  assert.equal(watch.observe(10.5, true, 500), 'advancing');
  assert.equal(watch.observe(10.5, true, 4000), 'waiting');
  assert.equal(watch.observe(10.5, true, 4500), 'waiting');
  assert.equal(watch.observe(10.5, true, 4501), 'stalled');
  assert.equal(watch.observe(11, true, 5000), 'advancing');
});

test('a paused player is never stalled, and its grace restarts on play', () => {
  const watch = createProgressWatch(4000);
  watch.reset(0);
  watch.observe(10, true, 0);
  assert.equal(watch.observe(10, false, 60_000), 'waiting');
  assert.equal(watch.observe(10, true, 63_000), 'waiting');
  assert.equal(watch.observe(10, true, 64_001), 'stalled');
});

test('a reset forgets the old clock (a new source)', () => {
  const watch = createProgressWatch(4000);
  watch.reset(0);
  watch.observe(500, true, 0);
  watch.reset(10_000);
  assert.equal(watch.observe(0, true, 10_000), 'waiting');
  assert.equal(watch.observe(0, true, 13_000), 'waiting');
  assert.equal(watch.observe(0.2, true, 13_500), 'advancing');
});
