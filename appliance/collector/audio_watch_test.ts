import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AUDIO_WATCH_DEFAULTS, type AudioWatchOptions, createAudioWatch } from './audio_watch.ts';
import type { ChannelLevel } from './status.ts';

const SPEECH: ChannelLevel = { rmsDb: -24, peakDb: -9 };
const HISS: ChannelLevel = { rmsDb: -72, peakDb: -60 };
const MUTE: ChannelLevel = { rmsDb: -200, peakDb: -200 };
const QUIET = [HISS, MUTE];
const LOUD_PEAK: ChannelLevel = { rmsDb: -12, peakDb: -0.5 };

function harness(options: AudioWatchOptions = {}) {
  let clock = 1_000_000;
  const watch = createAudioWatch({ now: () => clock, ...options });
  return {
    watch,
    get now() {
      return clock;
    },
    wait(ms: number) {
      clock += ms;
    },
    /** One report now. */
    report(levels: ChannelLevel[]) {
      watch.update(levels);
    },
    /** Reports `levels` every 100 ms for `ms` (the first report at +100 ms). */
    feed(levels: ChannelLevel[], ms: number) {
      for (let t = 100; t <= ms; t += 100) {
        clock += 100;
        watch.update(levels);
      }
    },
  };
}

test('defaults are the documented ones', () => {
  assert.deepEqual(AUDIO_WATCH_DEFAULTS, {
    silenceBelowDb: -60,
    silenceAfterMs: 3000,
    clipAtDb: -0.5,
    holdClipMs: 3000,
    staleAfterMs: 1500,
    displayMs: 300,
  });
});

test('before any levels: no levels and no warnings, however long it waits', () => {
  const h = harness();
  assert.deepEqual(h.watch.levels(), []);
  assert.deepEqual(h.watch.warnings(), { silence: false, clipping: false, silentSeconds: 0 });
  h.wait(60_000);
  assert.deepEqual(h.watch.levels(), []);
  assert.deepEqual(h.watch.warnings(), { silence: false, clipping: false, silentSeconds: 0 });
});

test('levels() gives the latest report once older ones left the display window, as a copy', () => {
  const h = harness();
  h.report([SPEECH, HISS]);
  const input = [{ rmsDb: -30, peakDb: -20 }, { ...MUTE }];
  h.wait(300);
  h.report(input);
  input[0]!.rmsDb = 0;
  const shown = h.watch.levels();
  assert.deepEqual(shown, [{ rmsDb: -30, peakDb: -20 }, MUTE]);
  shown[0]!.peakDb = 5;
  assert.deepEqual(h.watch.levels(), [{ rmsDb: -30, peakDb: -20 }, MUTE]);
  assert.deepEqual(h.watch.warnings(), { silence: false, clipping: false, silentSeconds: 0 });
});

test('meters hold the loudest block of the last 300 ms, per channel', () => {
  const h = harness();
  h.report([{ rmsDb: -30, peakDb: -25 }, { rmsDb: -40, peakDb: -35 }]);
  h.wait(100);
  h.report([{ rmsDb: -12, peakDb: -6 }, { rmsDb: -41, peakDb: -36 }]); // a 100 ms beep on ch 1
  h.wait(100);
  h.report([{ rmsDb: -30, peakDb: -25 }, { rmsDb: -20, peakDb: -3 }]); // a clap on ch 2
  assert.deepEqual(h.watch.levels(), [{ rmsDb: -12, peakDb: -6 }, { rmsDb: -20, peakDb: -3 }]);
  h.wait(199);
  assert.deepEqual(h.watch.levels()[0], { rmsDb: -12, peakDb: -6 }, 'the beep 299 ms ago');
  h.wait(1);
  assert.deepEqual(h.watch.levels()[0], { rmsDb: -30, peakDb: -25 }, 'the beep 300 ms ago');
  h.wait(100);
  assert.deepEqual(h.watch.levels(), [{ rmsDb: -30, peakDb: -25 }, { rmsDb: -20, peakDb: -3 }]);
});

describe('silence', () => {
  test('every channel quiet for silenceAfterMs: silence, not one ms earlier', () => {
    const h = harness();
    h.feed([SPEECH, SPEECH], 1000);
    h.report(QUIET); // the first quiet report starts the clock
    h.feed(QUIET, 2900);
    h.wait(99);
    assert.equal(h.watch.warnings().silence, false, '2999 ms quiet');
    h.wait(1);
    assert.equal(h.watch.warnings().silence, true, '3000 ms quiet');
    h.report(QUIET);
    assert.equal(h.watch.warnings().silence, true, 'stays on while quiet');
    assert.deepEqual(h.watch.levels(), QUIET, 'real levels, not the stale −200');
  });

  test('quiet means below silenceBelowDb: a channel exactly at it is not quiet', () => {
    const atThreshold = harness();
    atThreshold.feed([MUTE, { rmsDb: -60, peakDb: -50 }], 10_000);
    assert.equal(atThreshold.watch.warnings().silence, false);

    const justBelow = harness();
    justBelow.feed([MUTE, { rmsDb: -60.1, peakDb: -50 }], 10_000);
    assert.equal(justBelow.watch.warnings().silence, true);
  });

  test('one channel with sound keeps the warning off, however quiet the others', () => {
    const h = harness();
    h.feed([MUTE, MUTE, { rmsDb: -45, peakDb: -30 }, MUTE], 20_000);
    assert.equal(h.watch.warnings().silence, false);
  });

  test('a beep on any channel starts the quiet period over', () => {
    const h = harness();
    h.report(QUIET);
    h.feed(QUIET, 2900);
    h.wait(100);
    h.report([HISS, { rmsDb: -20, peakDb: -6 }]); // 3000 ms after the first quiet report
    assert.equal(h.watch.warnings().silence, false, 'the beep itself is sound');
    h.feed(QUIET, 3000);
    // Quiet since the first report after the beep, 2900 ms ago.
    assert.equal(h.watch.warnings().silence, false);
    h.wait(100);
    assert.equal(h.watch.warnings().silence, true);
  });

  test('sound coming back clears the warning at once', () => {
    const h = harness();
    h.feed(QUIET, 5000);
    assert.equal(h.watch.warnings().silence, true);
    h.wait(100);
    h.report([SPEECH, MUTE]);
    assert.equal(h.watch.warnings().silence, false);
  });

  test('a report without channels carries no sound', () => {
    const h = harness();
    h.feed([], 3000);
    assert.equal(h.watch.warnings().silence, false);
    h.wait(100);
    h.report([]);
    assert.equal(h.watch.warnings().silence, true);
    assert.deepEqual(h.watch.levels(), []);
  });
});

test('silentSeconds counts whole seconds of quiet from the first quiet report, 0 with sound', () => {
  const h = harness();
  h.feed([SPEECH], 1000);
  assert.equal(h.watch.warnings().silentSeconds, 0);
  h.report(QUIET);
  h.feed(QUIET, 999);
  assert.equal(h.watch.warnings().silentSeconds, 0, '999 ms');
  h.feed(QUIET, 13_000);
  assert.equal(h.watch.warnings().silentSeconds, 13);
  h.report([SPEECH]);
  assert.equal(h.watch.warnings().silentSeconds, 0);
});

describe('dead audio path', () => {
  test('no levels for staleAfterMs: silence, and the channels shown at −200', () => {
    const h = harness();
    h.feed([SPEECH, { rmsDb: -30, peakDb: -12 }], 1000);
    h.wait(1499);
    assert.deepEqual(h.watch.levels(), [SPEECH, { rmsDb: -30, peakDb: -12 }]);
    assert.equal(h.watch.warnings().silence, false, '1499 ms without levels');
    h.wait(1);
    assert.deepEqual(h.watch.levels(), [MUTE, MUTE]);
    assert.deepEqual(h.watch.warnings(), { silence: true, clipping: false, silentSeconds: 1 });
    h.wait(60_000);
    assert.deepEqual(h.watch.levels(), [MUTE, MUTE]);
    assert.equal(h.watch.warnings().silence, true);
    assert.equal(h.watch.warnings().silentSeconds, 61, 'counted from the last report');
  });

  test('levels arriving again end it at once', () => {
    const h = harness();
    h.feed([SPEECH], 500);
    h.wait(5000);
    assert.equal(h.watch.warnings().silence, true);
    h.report([SPEECH]);
    assert.deepEqual(h.watch.levels(), [SPEECH]);
    assert.deepEqual(h.watch.warnings(), { silence: false, clipping: false, silentSeconds: 0 });
  });

  test('a clip just before the path died is still held', () => {
    const h = harness();
    h.report([LOUD_PEAK]);
    h.wait(2000);
    assert.deepEqual(h.watch.warnings(), { silence: true, clipping: true, silentSeconds: 2 });
    h.wait(1000);
    assert.deepEqual(h.watch.warnings(), { silence: true, clipping: false, silentSeconds: 3 });
  });
});

describe('clipping', () => {
  test('a peak at clipAtDb clips; just below does not', () => {
    const below = harness();
    below.feed([SPEECH, { rmsDb: -12, peakDb: -0.6 }], 2000);
    assert.equal(below.watch.warnings().clipping, false);

    const at = harness();
    at.report([SPEECH, LOUD_PEAK]);
    assert.deepEqual(at.watch.warnings(), { silence: false, clipping: true, silentSeconds: 0 });

    const over = harness();
    over.report([{ rmsDb: -3, peakDb: 0 }]);
    assert.equal(over.watch.warnings().clipping, true);
  });

  test('held for holdClipMs after the last clip, on any channel', () => {
    const h = harness();
    h.report([SPEECH, LOUD_PEAK]);
    h.feed([SPEECH, SPEECH], 1000);
    h.report([LOUD_PEAK, SPEECH]); // a second clip, other channel: the hold starts again
    const lastClipAt = h.now;
    h.feed([SPEECH, SPEECH], 2900);
    h.wait(99);
    assert.equal(h.now - lastClipAt, 2999);
    assert.equal(h.watch.warnings().clipping, true);
    h.wait(1);
    assert.equal(h.watch.warnings().clipping, false, 'cleared 3000 ms after the last clip');
  });
});

test('every threshold and duration can be set', () => {
  const h = harness({
    silenceBelowDb: -40,
    silenceAfterMs: 1000,
    clipAtDb: -3,
    holdClipMs: 500,
    staleAfterMs: 300,
  });
  const soft: ChannelLevel = { rmsDb: -45, peakDb: -3 }; // quiet and clipping here
  h.report([soft]);
  assert.deepEqual(h.watch.warnings(), { silence: false, clipping: true, silentSeconds: 0 });
  const softer: ChannelLevel = { rmsDb: -45, peakDb: -3.1 }; // quiet, not clipping
  h.wait(200);
  h.report([softer]);
  h.wait(299);
  assert.deepEqual(h.watch.levels(), [softer]);
  assert.deepEqual(h.watch.warnings(), { silence: false, clipping: true, silentSeconds: 0 });
  h.wait(1);
  assert.deepEqual(h.watch.levels(), [MUTE], 'stale after 300 ms');
  assert.deepEqual(
    h.watch.warnings(),
    { silence: true, clipping: false, silentSeconds: 0 },
    'hold of 500 ms over; quiet for only 500 ms',
  );

  const quiet = harness({ silenceBelowDb: -40, silenceAfterMs: 1000 });
  quiet.report([{ rmsDb: -45, peakDb: -30 }]);
  quiet.feed([{ rmsDb: -45, peakDb: -30 }], 900);
  assert.equal(quiet.watch.warnings().silence, false);
  quiet.feed([{ rmsDb: -45, peakDb: -30 }], 100);
  assert.equal(quiet.watch.warnings().silence, true);
});
