import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MpdInput, type MpdTrack, renderMpd } from './mpd.ts';

const video = (id: string, codecs: string, segments: MpdTrack['segments']): MpdTrack => ({
  id,
  kind: 'video',
  codecs,
  bandwidth: 800_000.4,
  width: 640,
  height: 360,
  frameRate: 30,
  timescale: 15360,
  initialization: `${id}/r1-init.mp4`,
  media: `${id}/r1-$Number$.m4s`,
  presentationTimeOffset: 0n,
  startNumber: 3,
  segments,
});

const input = (periods: MpdInput['periods'], ended = false): MpdInput => ({
  availabilityStartMs: Date.UTC(2026, 11, 6, 12),
  publishMs: Date.UTC(2026, 11, 6, 12, 1),
  timeShiftBufferDepthSeconds: 1800,
  minimumUpdatePeriodSeconds: 2,
  suggestedPresentationDelaySeconds: 6,
  maxSegmentSeconds: 3,
  minBufferSeconds: 2,
  periods,
  ended,
});

test('a live MPD: dynamic, DVR depth, one Period per run, equal segments folded into a repeat', () => {
  const text = renderMpd(input([{
    id: 'r1',
    startSeconds: 0,
    tracks: [video('source', 'avc1.64001e', [
      { t: 0n, d: 30720n },
      { t: 30720n, d: 30720n },
      { t: 61440n, d: 30720n },
      { t: 92160n, d: 30000n },
      { t: 130000n, d: 30720n }, // after a gap: its own entry
    ])],
  }, {
    id: 'r2',
    startSeconds: 10.5,
    tracks: [{ ...video('source', 'avc1.64001e', [{ t: 0n, d: 30720n }]), startNumber: 0 }],
  }]));
  assert.match(
    text,
    /<MPD [^>]*type="dynamic"[^>]*availabilityStartTime="2026-12-06T12:00:00.000Z"/,
  );
  assert.match(text, /timeShiftBufferDepth="PT1800S"/);
  assert.match(text, /minimumUpdatePeriod="PT2S"/);
  assert.match(text, /<Period id="r1" start="PT0S">/);
  assert.match(text, /<Period id="r2" start="PT10.5S">/);
  assert.match(text, /bandwidth="800001"/);
  assert.match(
    text,
    /startNumber="3" initialization="source\/r1-init.mp4" media="source\/r1-\$Number\$.m4s"/,
  );
  const entries = [...text.matchAll(/<S [^>]*\/>/g)].map((m) => m[0]);
  assert.deepEqual(entries.slice(0, 3), [
    '<S t="0" d="30720" r="2"/>',
    '<S t="92160" d="30000"/>',
    '<S t="130000" d="30720"/>',
  ]);
});

test('renditions of other codecs get their own AdaptationSet; empty tracks are left out', () => {
  const text = renderMpd(input([{
    id: 'r1',
    startSeconds: 0,
    tracks: [
      video('720p', 'avc1.64001f', [{ t: 0n, d: 1n }]),
      video('360p', 'avc1.4d401e', [{ t: 0n, d: 1n }]),
      video('360p-vp9', 'vp09.00.21.08', [{ t: 0n, d: 1n }]),
      video('none', 'avc1.4d401e', []),
    ],
  }]));
  const sets = text.split('<AdaptationSet').slice(1);
  assert.equal(sets.length, 2);
  assert.match(sets[0]!, /id="720p"[\s\S]*id="360p"/);
  assert.match(sets[1]!, /id="360p-vp9"/);
  assert.doesNotMatch(text, /id="none"/);
});

test('ended: no more updates; attribute values are escaped', () => {
  const text = renderMpd(input([{
    id: 'r"1',
    startSeconds: 0,
    tracks: [video('a&b', 'avc1.64001e', [{ t: 0n, d: 1n }])],
  }], true));
  assert.doesNotMatch(text, /minimumUpdatePeriod/);
  assert.match(text, /<Period id="r&#34;1"/);
  assert.match(text, /id="a&#38;b"/);
});
