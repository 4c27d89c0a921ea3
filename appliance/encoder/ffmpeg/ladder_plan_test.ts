import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Rendition } from '../../../core/wire/contracts.ts';
import { DEFAULT_LADDER } from '../../../core/wire/ladder.ts';
import { even, planLadder } from './ladder_plan.ts';

const HD = { width: 1280, height: 720, fps: 30, hasAudio: true };
const FULL_HD = { width: 1920, height: 1080, fps: 30, hasAudio: true };

test('the default ladder on a 1080p30 source: every rung video only, one shared audio, ladder order', () => {
  assert.deepEqual(planLadder(DEFAULT_LADDER, FULL_HD), [
    { kind: 'copy', name: 'source', width: 1920, height: 1080, fps: 30 },
    {
      kind: 'video',
      name: '720p',
      codec: 'h264',
      width: 1280,
      height: 720,
      fps: 30,
      videoKbps: 2800,
    },
    {
      kind: 'video',
      name: '480p',
      codec: 'h264',
      width: 854, // 853.33 rounded to even
      height: 480,
      fps: 30,
      videoKbps: 1400,
    },
    {
      kind: 'video',
      name: '360p',
      codec: 'h264',
      width: 640,
      height: 360,
      fps: 30,
      videoKbps: 800,
    },
    // Encoded once at the highest rate any rendition asks (720p's 128), listed as audio only.
    { kind: 'audio', name: 'audio', audioKbps: 128, listed: true },
  ]);
});

test('with a source rendition, rungs as tall as the source or taller are dropped', () => {
  const plan = planLadder(DEFAULT_LADDER, HD);
  assert.deepEqual(plan.map((r) => r.name), ['source', '480p', '360p', 'audio']);
  // 720p's 128 kbit/s left with the 720p rung.
  const audio = plan.at(-1);
  assert.equal(audio?.kind === 'audio' && audio.audioKbps, 96);
  const small = planLadder(DEFAULT_LADDER, { width: 854, height: 480, fps: 25, hasAudio: true });
  assert.deepEqual(small.map((r) => r.name), ['source', '360p', 'audio']);
  const rung = small.find((r) => r.name === '360p');
  assert.equal(rung?.kind === 'video' && `${rung.width}x${rung.height}@${rung.fps}`, '640x360@25');
});

test('without a source rendition, a rung of the source height is kept: it is the full picture', () => {
  const ladder = DEFAULT_LADDER.filter((r) => r.codec !== 'copy');
  assert.deepEqual(planLadder(ladder, HD).map((r) => r.name), ['720p', '480p', '360p', 'audio']);
});

test('keyframes off the segment grid: the source is re-encoded at its own size', () => {
  const plan = planLadder(DEFAULT_LADDER, FULL_HD, { reencodeSource: true });
  assert.deepEqual(plan[0], {
    kind: 'video',
    name: 'source',
    codec: 'h264',
    width: 1920,
    height: 1080,
    fps: 30,
    videoKbps: 6200, // 0.1 bit per pixel and frame, to 100 kbit/s
    replacesCopy: true,
  });
  assert.deepEqual(plan.map((r) => r.name), ['source', '720p', '480p', '360p', 'audio']);
});

test('a ladder without an audio rendition still gets one shared audio, unlisted, under a free name', () => {
  const ladder: Rendition[] = [
    { name: 'source', codec: 'copy' },
    { name: 'audio', codec: 'h264', height: 360, videoKbps: 800, audioKbps: 64 },
  ];
  assert.deepEqual(planLadder(ladder, HD).at(-1), {
    kind: 'audio',
    name: 'audio-shared',
    audioKbps: 64,
    listed: false,
  });
  // A copy alone names no audio rate.
  assert.deepEqual(planLadder([{ name: 'source', codec: 'copy' }], HD).at(-1), {
    kind: 'audio',
    name: 'audio',
    audioKbps: 128,
    listed: false,
  });
});

test('fps is the rung’s own, never above the source’s', () => {
  const ladder: Rendition[] = [
    { name: 'hi', codec: 'h264', height: 720, videoKbps: 3000, audioKbps: 128, fps: 60 },
    { name: 'lo', codec: 'h264', height: 360, videoKbps: 800, audioKbps: 96, fps: 30 },
    { name: 'same', codec: 'vp9', height: 360, videoKbps: 600, audioKbps: 96 },
  ];
  const fps = (source: number) =>
    planLadder(ladder, { ...HD, fps: source }).flatMap((r) => r.kind === 'video' ? [r.fps] : []);
  assert.deepEqual(fps(50), [50, 30, 50]);
  assert.deepEqual(fps(24), [24, 24, 24]);
  assert.deepEqual(fps(29.97), [29.97, 29.97, 29.97]);
});

test('widths keep the source aspect ratio: 4:3, portrait, odd results rounded to even', () => {
  const withoutCopy = DEFAULT_LADDER.filter((r) => r.codec !== 'copy');
  const at = (width: number, height: number) =>
    planLadder(withoutCopy, { width, height, fps: 30, hasAudio: true })
      .filter((r) => r.kind === 'video')
      .map((r) => r.kind === 'video' && `${r.width}x${r.height}`);
  assert.deepEqual(at(960, 720), ['960x720', '640x480', '480x360']);
  // Heights are picture heights: a portrait 720x1280 source gets narrow rungs.
  assert.deepEqual(at(720, 1280), ['406x720', '270x480', '202x360']);
  assert.deepEqual(at(1920, 1080), ['1280x720', '854x480', '640x360']);
  assert.equal(even(853.33), 854);
  assert.equal(even(0.4), 2);
});

test('a source without audio: no audio rendition at all', () => {
  const plan = planLadder(DEFAULT_LADDER, { ...FULL_HD, hasAudio: false });
  assert.deepEqual(plan.map((r) => r.name), ['source', '720p', '480p', '360p']);
});

test('a source smaller than every rung keeps only the copy when the ladder has one', () => {
  const plan = planLadder(DEFAULT_LADDER, { width: 426, height: 240, fps: 30, hasAudio: true });
  assert.deepEqual(plan.map((r) => r.name), ['source', 'audio']);
});

test('without a copy, the lowest rung is kept at the source height, bitrate scaled by area', () => {
  const ladder: Rendition[] = [
    { name: 'audio', codec: 'audio', audioKbps: 64 },
    { name: '720p', codec: 'h264', height: 720, videoKbps: 2800, audioKbps: 128 },
    { name: '360p', codec: 'h264', height: 360, videoKbps: 800, audioKbps: 96, fps: 30 },
    { name: '480p', codec: 'h264', height: 480, videoKbps: 1400, audioKbps: 96 },
  ];
  assert.deepEqual(planLadder(ladder, { width: 320, height: 241, fps: 15, hasAudio: true }), [
    // The highest rate asked of the renditions kept: its own 64 and the 360p rung's 96.
    { kind: 'audio', name: 'audio', audioKbps: 96, listed: true },
    {
      kind: 'video',
      name: '360p',
      codec: 'h264',
      width: 318, // 320 * 240/241, to even
      height: 240, // floored to even: never above the source
      fps: 15,
      videoKbps: 356, // 800 * (240/360)^2
    },
  ]);
});

test('refuses a bad source, repeated names, and a plan with nothing left', () => {
  assert.throws(() => planLadder(DEFAULT_LADDER, { ...HD, height: 0 }), /height/);
  assert.throws(() => planLadder(DEFAULT_LADDER, { ...HD, fps: Number.NaN }), /fps/);
  assert.throws(
    () =>
      planLadder([{ name: 'a', codec: 'copy' }, { name: 'a', codec: 'audio', audioKbps: 64 }], HD),
    /used twice/,
  );
  assert.throws(
    () => planLadder([{ name: 'a', codec: 'audio', audioKbps: 64 }], { ...HD, hasAudio: false }),
    /nothing to encode/,
  );
});

test('an audio-only ladder stays audio only', () => {
  assert.deepEqual(planLadder([{ name: 'radio', codec: 'audio', audioKbps: 64 }], HD), [
    { kind: 'audio', name: 'radio', audioKbps: 64, listed: true },
  ]);
});
