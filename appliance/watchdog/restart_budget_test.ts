import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WatchdogAction } from '../../core/wire/contracts.ts';
import { createRestartBudget, HOUR_MS } from './restart_budget.ts';

const at = (ms: number, target = 'room:a'): WatchdogAction => ({
  target,
  action: 'killed-ffmpeg',
  at: new Date(ms).toISOString(),
  reason: 'stale',
});

test('a target gets maxPerHour actions; others keep their own budget', () => {
  const budget = createRestartBudget(2);
  const t0 = Date.parse('2026-11-21T10:00:00Z');
  assert.equal(budget.allows('room:a', t0), true);
  budget.record(at(t0));
  budget.record(at(t0 + 1000));
  assert.equal(budget.allows('room:a', t0 + 2000), false);
  assert.equal(budget.allows('room:b', t0 + 2000), true);
  assert.equal(budget.recent(t0 + 2000).length, 2);
});

test('the window slides: an action older than an hour gives its restart back', () => {
  const budget = createRestartBudget(1);
  const t0 = Date.parse('2026-11-21T10:00:00Z');
  budget.record(at(t0));
  assert.equal(budget.allows('room:a', t0 + HOUR_MS - 1), false);
  assert.equal(budget.allows('room:a', t0 + HOUR_MS), true);
  assert.deepEqual(budget.recent(t0 + HOUR_MS), []);
});
