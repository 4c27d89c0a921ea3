// The slate rendered by the real ffmpeg, and its copies checked with ffprobe: each
// rendition has the codec and size of what it stands in for, one GOP a segment, and copies
// listed one after another play as one stream whose time only moves on.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { softwareBackend } from '../ffmpeg/backends/software.ts';
import { planLadder } from '../ffmpeg/ladder_plan.ts';
import { baseDecodeTimeOf, retimeSegment } from './fmp4_retime.ts';
import { renderSlate, type Slate, slatePlaylist, slateSegmentBytes } from './slate.ts';

const SEGMENT_SECONDS = 1;
let dir: string;
let slate: Slate;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomcast-slate-'));
  const plan = planLadder(
    [
      { name: 'source', codec: 'copy' },
      { name: '180p-vp9', codec: 'vp9', height: 180, videoKbps: 200, audioKbps: 64 },
      { name: 'audio', codec: 'audio', audioKbps: 64 },
    ],
    { width: 640, height: 360, fps: 25, hasAudio: true },
  );
  slate = await renderSlate({
    plan,
    segmentSeconds: SEGMENT_SECONDS,
    dir: join(dir, 'render'),
    backend: softwareBackend,
  });
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** ffprobe's view of init + copies 0…count-1 of a rendition, as one file. */
async function probeCopies(name: string, count: number) {
  const rendition = slate.renditions.find((r) => r.name === name)!;
  const file = join(dir, `${name}.mp4`);
  const parts = [rendition.init];
  for (let n = 0; n < count; n++) parts.push(slateSegmentBytes(rendition, n));
  await writeFile(file, Buffer.concat(parts));
  const json = JSON.parse(execFileSync('ffprobe', [
    '-v',
    'error',
    '-show_streams',
    '-show_packets',
    '-of',
    'json',
    file,
  ], { encoding: 'utf8' }));
  return {
    stream: json.streams[0],
    packets: json.packets as { dts_time: string; flags: string; duration_time: string }[],
  };
}

test('every rendition of the plan has a slate: the passthrough as H.264 at the source size', () => {
  assert.deepEqual(slate.renditions.map((r) => r.name), ['source', '180p-vp9', 'audio']);
  for (const r of slate.renditions) {
    assert.ok(r.step > 0n, `${r.name} moves on`);
    assert.ok(Math.abs(r.duration - SEGMENT_SECONDS) < 0.05, `${r.name} lasts ${r.duration}`);
  }
});

test('copies play as one stream: codec and size kept, time only moves on, a keyframe each', async () => {
  const source = await probeCopies('source', 3);
  assert.equal(source.stream.codec_name, 'h264');
  assert.deepEqual([source.stream.width, source.stream.height], [640, 360]);
  const vp9 = await probeCopies('180p-vp9', 3);
  assert.equal(vp9.stream.codec_name, 'vp9');
  assert.deepEqual([vp9.stream.width, vp9.stream.height], [320, 180]);
  for (const { packets } of [source, vp9]) {
    assert.equal(packets.length, 3 * 25, 'one GOP of 25 frames per copy');
    const dts = packets.map((p) => Number(p.dts_time));
    assert.ok(dts.every((t, i) => i === 0 || t > dts[i - 1]!), `dts ${dts.join(' ')}`);
    const keys = packets.flatMap((p, i) => (p.flags.startsWith('K') ? [i] : []));
    assert.deepEqual(keys, [0, 25, 50]);
  }
  const audio = await probeCopies('audio', 3);
  assert.equal(audio.stream.codec_name, 'aac');
  assert.equal(audio.stream.sample_rate, '48000');
  const times = audio.packets.map((p) => Number(p.dts_time));
  assert.ok(times.every((t, i) => i === 0 || t > times[i - 1]!), 'audio time only moves on');
  const last = audio.packets.at(-1)!;
  const end = Number(last.dts_time) + Number(last.duration_time) - times[0]!;
  assert.ok(Math.abs(end - 3 * slate.renditions[2]!.duration) < 0.03, `audio lasts ${end}`);
});

test("the slate run's playlist dates each copy by the copies before it", () => {
  const rendition = slate.renditions[0]!;
  const listed = slatePlaylist(
    rendition,
    { init: 'r5-init.mp4', segment: (n) => `r5-${n}.m4s` },
    3,
    4,
    Date.UTC(2026, 11, 6, 12),
  );
  assert.deepEqual(listed.segments.map((s) => [s.uri, s.sequence, s.programDateTime]), [
    ['r5-3.m4s', 3, '2026-12-06T12:00:03.000Z'],
    ['r5-4.m4s', 4, '2026-12-06T12:00:04.000Z'],
  ]);
  assert.equal(listed.map, 'r5-init.mp4');
});

test('retiming moves the decode time and numbers the fragment; bytes that are no segment throw', () => {
  const rendition = slate.renditions[0]!;
  const moved = retimeSegment(rendition.segment, 1234n, 7);
  assert.equal(baseDecodeTimeOf(moved), baseDecodeTimeOf(rendition.segment) + 1234n);
  assert.equal(moved.byteLength, rendition.segment.byteLength);
  assert.throws(() => retimeSegment(rendition.init, 1n, 1), /no moof box/);
  assert.throws(
    () => baseDecodeTimeOf(new Uint8Array([0, 0, 0, 99, 109, 111, 111, 102])),
    /does not fit/,
  );
  // The head of a segment is enough: its mdat may be cut off.
  const head = moved.subarray(0, moved.byteLength - 100);
  assert.equal(baseDecodeTimeOf(head), baseDecodeTimeOf(moved));
});
