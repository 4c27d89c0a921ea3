import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  behindLiveAttribute,
  describeBehind,
  describeLatency,
  formatBehind,
  formatLatency,
  glassToGlassSeconds,
  isNearLive,
  LATENCY_CLOCK_SKEW_S,
  LATENCY_MAX_S,
  latencyAttribute,
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

test('glass-to-glass: the age of the frame on screen, null when unknown or absurd', () => {
  const now = Date.parse('2025-05-01T10:00:00Z');
  assert.equal(glassToGlassSeconds(now - 1234, now), 1.234);
  assert.equal(glassToGlassSeconds(null, now), null);
  assert.equal(glassToGlassSeconds(Number.NaN, now), null);
  // A frame dated slightly ahead: the two clocks disagree a little, so "no delay".
  assert.equal(glassToGlassSeconds(now + 400, now), 0);
  assert.equal(glassToGlassSeconds(now + LATENCY_CLOCK_SKEW_S * 1000, now), 0);
  assert.equal(glassToGlassSeconds(now + LATENCY_CLOCK_SKEW_S * 1000 + 1, now), null);
  assert.equal(glassToGlassSeconds(now - LATENCY_MAX_S * 1000, now), LATENCY_MAX_S);
  assert.equal(glassToGlassSeconds(now - LATENCY_MAX_S * 1000 - 1, now), null);
});

test('latency on the badge: tenths below 10 s, whole seconds above, minutes from 60 s', () => {
  assert.equal(formatLatency(0), '0.0 s');
  assert.equal(formatLatency(1.234), '1.2 s');
  assert.equal(formatLatency(9.94), '9.9 s');
  // Rounds up to ten: shown as whole seconds, not "10.0 s".
  assert.equal(formatLatency(9.96), '10 s');
  assert.equal(formatLatency(14.4), '14 s');
  assert.equal(formatLatency(59.6), '1:00');
  assert.equal(formatLatency(125), '2:05');
});

test('latency for screen readers', () => {
  assert.equal(describeLatency(1.234), '1.2 seconds behind the camera');
  assert.equal(describeLatency(1.02), '1 second behind the camera');
  assert.equal(describeLatency(0.5), '0.5 seconds behind the camera');
  assert.equal(describeLatency(14.4), '14 seconds behind the camera');
});

test('data-latency has three decimals, empty when unknown', () => {
  assert.equal(latencyAttribute(1.2344), '1.234');
  assert.equal(latencyAttribute(0), '0.000');
  assert.equal(latencyAttribute(null), '');
  assert.equal(latencyAttribute(Number.NaN), '');
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
