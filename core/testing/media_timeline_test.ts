import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkContinuity, type MediaSegmentInfo, readMediaTimeline } from './media_timeline.ts';

const FRAME = 1 / 25;

function ffmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-y', ...args],
      (error, _out, err) => {
        if (error) reject(new Error(`ffmpeg ${args.join(' ')} failed: ${err}`));
        else resolve();
      },
    );
  });
}

// 320x240 test pattern at 25 fps plus a 1 kHz tone, as H.264 + AAC.
const SOURCE = [
  '-f',
  'lavfi',
  '-i',
  'testsrc=size=320x240:rate=25',
  '-f',
  'lavfi',
  '-i',
  'sine=frequency=1000:sample_rate=48000',
];
const CODECS = [
  '-c:v',
  'libx264',
  '-preset',
  'veryfast',
  // B-frames make decode order differ from presentation order, as in real recordings.
  '-bf',
  '2',
  // A keyframe exactly every 2 s and never elsewhere, so segments cut at 2 s boundaries.
  '-g',
  '50',
  '-keyint_min',
  '50',
  '-sc_threshold',
  '0',
  '-pix_fmt',
  'yuv420p',
  '-c:a',
  'aac',
];

let dir = '';
let segments: string[] = [];
let gapFile = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'media-timeline-'));
  await ffmpeg([
    ...SOURCE,
    '-t',
    '6',
    ...CODECS,
    '-f',
    'segment',
    '-segment_time',
    '2',
    // Timestamps continue across files, as the collector's recording does.
    '-reset_timestamps',
    '0',
    '-segment_format',
    'mpegts',
    join(dir, 'seg-%03d.ts'),
  ]);
  segments = (await readdir(dir)).filter((name) => name.startsWith('seg-')).sort()
    .map((name) => join(dir, name));
  gapFile = join(dir, 'gap.ts');
  await ffmpeg([
    ...SOURCE,
    '-t',
    '4',
    // From frame 50 (2 s) on, every frame is shown 1 s later: 1 s without video.
    '-vf',
    "setpts='PTS+if(gte(N,50),1/TB,0)'",
    // Keep those timestamps: no frames duplicated into the hole.
    '-fps_mode',
    'passthrough',
    ...CODECS,
    '-f',
    'mpegts',
    gapFile,
  ]);
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} is not within ${tolerance} of ${expected}`,
  );

test('a continuous recording in 2 s segments: no gaps, 6 s in all', async () => {
  assert.equal(segments.length, 3, `segments: ${segments.join(', ')}`);
  const timeline = await readMediaTimeline(segments);
  assert.deepEqual(timeline.map((info) => info.file), segments);
  for (const info of timeline) {
    const { video, audio } = info;
    assert.equal(video.codec, 'h264');
    assert.equal(video.width, 320);
    assert.equal(video.height, 240);
    assert.equal(video.frames, 50, info.file);
    assert.equal(video.keyframes, 1, info.file);
    near(video.maxGapSeconds, FRAME, 1e-3, `${info.file} largest frame step`);
    near(video.endPts - video.firstPts, 2, 1e-3, `${info.file} duration`);
    near(video.endPts, video.lastPts + FRAME, 1e-3, `${info.file} endPts`);
    assert.deepEqual(video.framePts, video.framePts.slice().sort((a, b) => a - b));
    assert.equal(audio?.codec, 'aac');
    near(audio!.maxGapSeconds, 1024 / 48_000, 1e-3, `${info.file} audio step`);
  }
  // MPEG-TS does not start at 0, and the next file starts where the previous one ended.
  assert.ok(timeline[0]!.video.firstPts > 0.5, `first pts ${timeline[0]!.video.firstPts}`);
  near(timeline[1]!.video.firstPts, timeline[0]!.video.endPts, 1e-3, 'second file start');

  const report = checkContinuity(timeline, { frameSeconds: FRAME });
  assert.deepEqual(report.gaps, []);
  near(report.totalSeconds, 6, 2 * FRAME, 'total');
});

test('the middle segment missing: one gap of 2 s between files', async () => {
  const timeline = await readMediaTimeline([segments[0]!, segments[2]!]);
  const report = checkContinuity(timeline, { frameSeconds: FRAME });
  assert.equal(report.gaps.length, 1, JSON.stringify(report.gaps));
  const [gap] = report.gaps;
  assert.equal(gap!.kind, 'between-files');
  assert.equal(gap!.file, segments[2]);
  near(gap!.gapSeconds, 2, FRAME, 'gap');
  near(gap!.atSeconds, 2, FRAME, 'gap position');
  near(report.totalSeconds, 4, 2 * FRAME, 'total');
});

test('a jump inside a file: one within-file gap of 1 s', async () => {
  const timeline = await readMediaTimeline([gapFile]);
  const { video } = timeline[0]!;
  near(video.maxGapSeconds, 1 + FRAME, 1e-3, 'largest frame step');
  const report = checkContinuity(timeline, { frameSeconds: FRAME });
  assert.equal(report.gaps.length, 1, JSON.stringify(report.gaps));
  const [gap] = report.gaps;
  assert.equal(gap!.kind, 'within-file');
  assert.equal(gap!.file, gapFile);
  near(gap!.gapSeconds, 1, FRAME, 'gap');
  near(gap!.atSeconds, 2, FRAME, 'gap position');
});

test('a file that is not media: the error names it', async () => {
  const missing = join(dir, 'no-such-file.ts');
  await assert.rejects(readMediaTimeline([missing]), (error: Error) => {
    assert.match(error.message, /^ffprobe failed on .*no-such-file\.ts: /);
    return true;
  });
});

/** A synthetic segment of `frames` frames at 25 fps from `firstPts`. */
function synthetic(file: string, firstPts: number, frames: number): MediaSegmentInfo {
  const framePts = Array.from({ length: frames }, (_, i) => firstPts + i * FRAME);
  const lastPts = framePts[frames - 1]!;
  return {
    file,
    video: {
      codec: 'h264',
      width: 320,
      height: 240,
      frames,
      firstPts,
      lastPts,
      endPts: lastPts + FRAME,
      maxGapSeconds: FRAME,
      keyframes: 1,
      framePts,
    },
    audio: null,
  };
}

test('a file starting before the previous one ended is a gap too (negative)', () => {
  const report = checkContinuity([synthetic('a.ts', 10, 50), synthetic('b.ts', 11.5, 50)], {
    frameSeconds: FRAME,
  });
  assert.deepEqual(report.gaps, [
    { file: 'b.ts', atSeconds: 2, gapSeconds: -0.5, kind: 'between-files' },
  ]);
  // One frame early or late is within tolerance.
  const oneFrame = checkContinuity([synthetic('a.ts', 10, 50), synthetic('b.ts', 12.04, 50)], {
    frameSeconds: FRAME,
  });
  assert.deepEqual(oneFrame.gaps, []);
});

test('the 33-bit MPEG-TS clock wrapping between two files is no gap', () => {
  const wrap = 2 ** 33 / 90_000;
  const beforeWrap = synthetic('a.ts', wrap - 2, 50);
  const afterWrap = synthetic('b.ts', 0, 50);
  const lateAfterWrap = synthetic('c.ts', 4, 50);
  const report = checkContinuity([beforeWrap, afterWrap, lateAfterWrap], { frameSeconds: FRAME });
  assert.deepEqual(report.gaps, [
    { file: 'c.ts', atSeconds: 4, gapSeconds: 2, kind: 'between-files' },
  ]);
  near(report.totalSeconds, 6, 1e-6, 'total');
});
