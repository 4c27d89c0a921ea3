import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hlsTuning, latencyModeFrom } from './tuning.ts';

test('?latency=low selects the low-latency tuning; anything else the default', () => {
  assert.equal(latencyModeFrom('?latency=low'), 'low');
  assert.equal(latencyModeFrom('?x=1&latency=low'), 'low');
  assert.equal(latencyModeFrom(''), 'default');
  assert.equal(latencyModeFrom('?latency=LOW'), 'default');
  assert.equal(latencyModeFrom('?latency=ultra'), 'default');
});

test('default keeps hls.js live defaults; low sits closer and may speed up', () => {
  const normal = hlsTuning('default');
  const low = hlsTuning('low');
  assert.equal(normal.backBufferLength, 30);
  assert.equal(normal.liveSyncDurationCount, undefined);
  assert.equal(normal.lowLatencyMode, undefined);
  assert.equal(low.backBufferLength, 30);
  assert.equal(low.lowLatencyMode, true);
  assert.ok(low.liveSyncDurationCount! < 3, 'closer to live than hls.js default of 3');
  assert.ok(low.maxLiveSyncPlaybackRate! > 1);
  // The pages' CSP forbids hls.js's blob: worker in both modes.
  assert.equal(normal.enableWorker, false);
  assert.equal(low.enableWorker, false);
});
