import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  behindLiveAttribute,
  describeBehind,
  formatBehind,
  isNearLive,
  NEAR_LIVE_SLACK_S,
  seekTarget,
} from './live.ts';

test('near live: up to the target latency plus the slack; unknown counts as live', () => {
  assert.equal(isNearLive(6 + NEAR_LIVE_SLACK_S, 6), true);
  assert.equal(isNearLive(6 + NEAR_LIVE_SLACK_S + 0.1, 6), false);
  assert.equal(isNearLive(2, null), true);
  assert.equal(isNearLive(NEAR_LIVE_SLACK_S + 1, null), false);
  assert.equal(isNearLive(null, 6), true);
});

test('how far behind, on the badge and for screen readers', () => {
  assert.equal(formatBehind(14.4), '\u221214 s');
  assert.equal(formatBehind(59.6), '\u22121:00');
  assert.equal(formatBehind(125), '\u22122:05');
  assert.equal(describeBehind(14.4), '14 seconds behind live');
  assert.equal(describeBehind(1.2), '1 second behind live');
});

test('data-behind-live has one decimal, empty when unknown', () => {
  assert.equal(behindLiveAttribute(6.04), '6.0');
  assert.equal(behindLiveAttribute(13.96), '14.0');
  assert.equal(behindLiveAttribute(null), '');
  assert.equal(behindLiveAttribute(Number.NaN), '');
});

test('seeking stays in the seekable range and forward stops at the live position', () => {
  const range = { start: 100, end: 160 };
  assert.equal(seekTarget(130, -5, range, 154), 125);
  assert.equal(seekTarget(102, -5, range, 154), 100);
  assert.equal(seekTarget(130, 5, range, 154), 135);
  assert.equal(seekTarget(152, 5, range, 154), 154);
  // Already past the live position: a forward seek does not move back.
  assert.equal(seekTarget(157, 5, range, 154), 157);
  assert.equal(seekTarget(157, 5, range, null), 160);
  assert.equal(seekTarget(130, 5, null, 154), null);
});
