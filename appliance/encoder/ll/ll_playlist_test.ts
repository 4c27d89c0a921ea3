import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type LlPart, type LlSegment, renderLowLatencyPlaylist } from './ll_playlist.ts';

const parts = (segment: number, count: number): LlPart[] =>
  Array.from({ length: count }, (_, k) => ({
    uri: `r1-${segment}.${k}.m4s`,
    durationSeconds: 0.25,
    independent: k === 0,
  }));

const segment = (n: number, extra: Partial<LlSegment> = {}): LlSegment => ({
  uri: `r1-${n}.m4s`,
  durationSeconds: 2,
  programDateTime: `2026-12-06T12:00:${String(n * 2).padStart(2, '0')}.000Z`,
  discontinuity: false,
  map: 'r1-init.mp4',
  parts: parts(n, 8),
  ...extra,
});

const render = (overrides: Partial<Parameters<typeof renderLowLatencyPlaylist>[0]> = {}) =>
  renderLowLatencyPlaylist({
    targetDuration: 2,
    partTargetSeconds: 0.25,
    mediaSequence: 3,
    discontinuitySequence: 0,
    segments: [3, 4, 5, 6, 7].map((n) => segment(n)),
    pendingParts: parts(8, 3),
    nextPartUri: 'r1-8.3.m4s',
    ended: false,
    ...overrides,
  });

test('server control: blocking reload, a part hold-back of at least 2.5 part targets', () => {
  const text = render();
  const control = /#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=([0-9.]+)/.exec(text);
  assert.ok(control, text);
  assert.ok(Number(control[1]) >= 2.5 * 0.25);
  assert.match(text, /^#EXT-X-PART-INF:PART-TARGET=0.25$/m);
  assert.match(text, /^#EXT-X-MEDIA-SEQUENCE:3$/m);
});

test('parts only for the newest three target durations; then the pending parts and the hint', () => {
  const lines = render().trim().split('\n');
  const partsOf = (n: number) =>
    lines.filter((l) => l.startsWith(`#EXT-X-PART:`) && l.includes(`URI="r1-${n}.`)).length;
  // 6 s back from the live edge: 0.75 s pending, then segments 7, 6 and 5 (5 starts 6.75 s back).
  assert.deepEqual([3, 4, 5, 6, 7, 8].map(partsOf), [0, 0, 8, 8, 8, 3]);
  assert.equal(lines.at(-1), '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="r1-8.3.m4s"');
  assert.ok(lines.includes('#EXT-X-PART:DURATION=0.25,URI="r1-8.0.m4s",INDEPENDENT=YES'));
  assert.ok(lines.includes('#EXT-X-PART:DURATION=0.25,URI="r1-8.1.m4s"'));
  // A segment's parts come before its own line.
  assert.ok(
    lines.indexOf('#EXT-X-PART:DURATION=0.25,URI="r1-7.7.m4s"') < lines.indexOf('r1-7.m4s'),
  );
});

test('a new run: a discontinuity and its own map; ended: no parts pending, ENDLIST', () => {
  const text = render({
    segments: [
      segment(3),
      segment(0, { uri: 'r2-0.m4s', map: 'r2-init.mp4', discontinuity: true }),
    ],
    ended: true,
  });
  assert.match(text, /#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="r2-init.mp4"/);
  assert.doesNotMatch(text, /PRELOAD-HINT|r1-8\./);
  assert.ok(text.endsWith('#EXT-X-ENDLIST\n'));
});
