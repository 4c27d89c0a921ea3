import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createKeyframeWatch,
  createSegmentLengthWatch,
  keyframeAdvice,
  keyframeTimeOf,
} from './keyframe_watch.ts';

const S = 2;
const TOLERANCE = 0.5 / 30 + 0.002;

/**
 * Feeds keyframes at stream times `times` as a live stream would: ffmpeg's output time and
 * the wall clock run with stream time. `at(t)` moves both on to stream time `t` and reports.
 */
function watchOf(times: number[], joinLateSeconds = 0.3) {
  const startMs = 1_000_000;
  const first = times[0] ?? 0;
  const wall = (t: number) => startMs + (t - first + joinLateSeconds) * 1000;
  const watch = createKeyframeWatch({ segmentSeconds: S, toleranceSeconds: TOLERANCE });
  watch.joined(startMs);
  for (const t of times) {
    watch.progress(t - first);
    watch.keyframe(t, wall(t));
  }
  const at = (t: number) => {
    watch.progress(t - first);
    return watch.report(wall(t));
  };
  return { watch, at, wall };
}

test('reads the time of a showinfo frame line, with or without the level tag', () => {
  assert.equal(
    keyframeTimeOf(
      '[Parsed_showinfo_3 @ 0x559215b30cc0] [info] n:   1 pts:   8356 pts_time:8.356   pos:  2112871 fmt:yuv420p iskey:1 type:I',
    ),
    8.356,
  );
  assert.equal(
    keyframeTimeOf('[Parsed_showinfo_12 @ 0x1] n:   0 pts:     23 pts_time:0.023'),
    0.023,
  );
  // showinfo's other lines, and other filters' lines, are not keyframes.
  assert.equal(
    keyframeTimeOf('[Parsed_showinfo_3 @ 0x5] [info] config in time_base: 1/1000'),
    null,
  );
  assert.equal(keyframeTimeOf('[Parsed_showinfo_3 @ 0x5] [info] color_range:unknown'), null);
  assert.equal(keyframeTimeOf('[hls @ 0x5] [info] Opening x.m4s for writing'), null);
});

test('a 2 s GOP on 2 s segments is aligned, once two grid points have their keyframe', () => {
  const early = watchOf([0.023, 2.023]);
  assert.equal(early.at(2.5).verdict, 'unknown');
  const { at } = watchOf([0.023, 2.023, 4.023]);
  const report = at(4.5);
  assert.equal(report.verdict, 'aligned');
  assert.equal(report.intervalSeconds, 2);
  assert.equal(keyframeAdvice(report, S), null);
});

test('a 1 s GOP is aligned too: the extra keyframes between the points do no harm', () => {
  const { at } = watchOf([0, 1, 2, 3, 4, 5]);
  assert.equal(at(5.2).verdict, 'aligned');
});

test("x264's default 250 frames at 30 fps: misaligned a moment after the first segment", () => {
  const { watch, at, wall } = watchOf([0.023]);
  // Within the grace (a segment: the probe's lines may lag ffmpeg's output time that much).
  assert.equal(at(3.9).verdict, 'unknown');
  const report = at(4.1);
  assert.equal(report.verdict, 'misaligned');
  assert.equal(report.atLeast, true);
  assert.equal(keyframeAdvice(report, S), 'keyframe interval over 4.1 s, set 2 s');
  // The second keyframe tells the real interval.
  at(8.356);
  watch.keyframe(8.356, wall(8.356));
  const later = at(8.4);
  assert.equal(later.verdict, 'misaligned');
  assert.equal(later.atLeast, false);
  assert.equal(keyframeAdvice(later, S), 'keyframe interval 8.3 s, set 2 s');
});

test('keyframes every 2.4 s (a 60-frame GOP at 25 fps) miss the 2 s grid', () => {
  const { at } = watchOf([0, 2.4]);
  const report = at(2.4);
  assert.equal(report.verdict, 'misaligned');
  assert.equal(keyframeAdvice(report, S), 'keyframe interval 2.4 s, set 2 s');
});

test('a GOP of twice the segment is caught at its first missed point', () => {
  const { at } = watchOf([0, 4]);
  assert.equal(at(4).verdict, 'misaligned');
});

test('repeated or backward times are ignored; nothing seen is unknown', () => {
  const empty = createKeyframeWatch({ segmentSeconds: S, toleranceSeconds: TOLERANCE });
  assert.deepEqual(empty.report(0), { verdict: 'unknown', intervalSeconds: null, atLeast: false });
  const { at } = watchOf([0, 2, 2, 1, 4]);
  assert.equal(at(4.1).verdict, 'aligned');
});

test("a publisher that stalls is not a long GOP: stream time is ffmpeg's output time", () => {
  const { watch, at } = watchOf([0, 2]);
  at(2.2);
  // Nothing flows for 10 s of wall time: ffmpeg's output time stands still.
  assert.equal(watch.report(1_000_000 + 12_000).verdict, 'unknown');
  assert.equal(at(2.4).verdict, 'unknown');
});

test('a first keyframe that keeps ffmpeg waiting past a segment and the join grace: misaligned', () => {
  const watch = createKeyframeWatch({
    segmentSeconds: S,
    toleranceSeconds: TOLERANCE,
    joinGraceSeconds: 2,
  });
  // Before nginx took ffmpeg on (a slow start), the wait does not count.
  assert.equal(watch.report(60_000).verdict, 'unknown');
  watch.joined(60_000);
  watch.joined(61_000); // the first play counts
  assert.equal(watch.report(63_900).verdict, 'unknown');
  const report = watch.report(64_500);
  assert.equal(report.verdict, 'misaligned');
  assert.equal(keyframeAdvice(report, S), 'keyframe interval over 2.5 s, set 2 s');
  // Arriving that late says the same; the next keyframe then tells the interval.
  const late = createKeyframeWatch({ segmentSeconds: S, toleranceSeconds: TOLERANCE });
  late.joined(0);
  late.keyframe(100, 7_000);
  assert.equal(late.report(7_000).verdict, 'misaligned');
  late.progress(8.3);
  late.keyframe(108.3, 15_300);
  assert.equal(keyframeAdvice(late.report(15_300), S), 'keyframe interval 8.3 s, set 2 s');
});

test('with nothing decoded, the passthrough segments tell: one GOP each when it is longer', () => {
  const aligned = createSegmentLengthWatch({ segmentSeconds: S, toleranceSeconds: TOLERANCE });
  aligned.segment(2.0);
  assert.equal(aligned.report().verdict, 'unknown');
  aligned.segment(1.999);
  assert.equal(aligned.report().verdict, 'aligned');
  assert.equal(keyframeAdvice(aligned.report(), S), null);

  const obs = createSegmentLengthWatch({ segmentSeconds: S, toleranceSeconds: TOLERANCE });
  obs.segment(Number.NaN); // an unreadable EXTINF says nothing
  obs.segment(8.333);
  const report = obs.report();
  assert.equal(report.verdict, 'misaligned');
  assert.equal(keyframeAdvice(report, S), 'keyframe interval 8.3 s, set 2 s');
});

test("aligned: the interval is the measured one, not a wait that ffmpeg's output time overstates", () => {
  const { watch, at } = watchOf([0, 2, 4]);
  at(4.1);
  // Output time runs 0.17 s past the next grid point before the probe's line arrives.
  watch.progress(6.17);
  const report = watch.report(1_000_000 + 6_500);
  assert.equal(report.verdict, 'aligned');
  assert.equal(report.intervalSeconds, 2);
  assert.equal(report.atLeast, false);
});
