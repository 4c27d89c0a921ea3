import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconnectDelayMs } from './backoff.ts';

test('waits double from 0.5 s to 15 s, each between half and all of its ceiling', () => {
  const lowest = [0, 1, 2, 3, 4, 5, 6, 30].map((n) => reconnectDelayMs(n, () => 0));
  assert.deepEqual(lowest, [250, 500, 1000, 2000, 4000, 7500, 7500, 7500]);
  const highest = [0, 1, 2, 5, 30].map((n) => reconnectDelayMs(n, () => 0.999999));
  assert.deepEqual(highest, [500, 1000, 2000, 15000, 15000]);
  assert.equal(reconnectDelayMs(-3, () => 0), 250);
});
