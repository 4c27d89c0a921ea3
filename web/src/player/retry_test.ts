import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryDelayMs } from './retry.ts';

test('retries back off 1, 2, 4, 8 s and stay at 10 s', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 20].map(retryDelayMs), [
    1000,
    2000,
    4000,
    8000,
    10000,
    10000,
    10000,
  ]);
});
