// The real ffmpeg writing fragmented MP4 to a pipe, as the LL-HLS ladder will: the stream
// reader finds the init segment and quarter-second fragments in whatever chunks the pipe
// gives, the cutter makes 2 s segments of them starting at the keyframes, and a segment
// (init + its parts) is a file ffprobe reads as 60 frames from one keyframe.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createFmp4StreamReader, type Fragment } from './fmp4_stream.ts';
import { createPartCutter, type Part, type Segment } from './part_cutter.ts';

/** ffmpeg's fMP4 on stdout: 6 s of 30 fps video (keyframe every 2 s) or of AAC audio. */
function fragmentedMp4(kind: 'video' | 'audio'): Promise<Uint8Array[]> {
  // deno-fmt-ignore
  const input = kind === 'video'
    ? ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-c:v', 'libx264', '-preset',
      'ultrafast', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0']
    : ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-c:a', 'aac'];
  // deno-fmt-ignore
  const child = spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', ...input, '-t', '6',
    '-f', 'mp4', '-movflags', '+empty_moov+default_base_moof+frag_keyframe',
    '-frag_duration', '250000', 'pipe:1',
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  const chunks: Uint8Array[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(new Uint8Array(chunk)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once(
      'exit',
      (code) => (code === 0 ? resolve(chunks) : reject(new Error(`ffmpeg ${code}`))),
    );
  });
}

/** Feeds the stream in small, odd-sized pieces, as a pipe may cut it. */
function read(chunks: Uint8Array[]) {
  let init: { bytes: Uint8Array; timescale: number } | null = null;
  const fragments: Fragment[] = [];
  const reader = createFmp4StreamReader({
    init: (bytes, timescale) => (init = { bytes, timescale }),
    fragment: (fragment) => fragments.push(fragment),
  });
  const all = Buffer.concat(chunks);
  for (let at = 0; at < all.byteLength; at += 997) reader.push(all.subarray(at, at + 997));
  assert.equal(reader.pending(), 0, 'nothing left over');
  return { init: init!, fragments };
}

test('video: init once, quarter-second fragments, segments of 2 s starting at keyframes', async () => {
  const { init, fragments } = read(await fragmentedMp4('video'));
  assert.ok(init, 'an init segment');
  const durations = fragments.map((f) => Number(f.duration) / init.timescale);
  assert.ok(durations.every((d) => d > 0 && d <= 0.3), `fragment lengths ${durations}`);
  assert.equal(fragments.filter((f) => f.independent).length, 3, 'a keyframe every 2 s');
  // Decode times follow on from each other.
  for (let i = 1; i < fragments.length; i++) {
    assert.equal(
      fragments[i]!.decodeTime,
      fragments[i - 1]!.decodeTime + fragments[i - 1]!.duration,
    );
  }

  const parts: Part[] = [];
  const segments: Segment[] = [];
  const cutter = createPartCutter({
    segmentSeconds: 2,
    timescale: init.timescale,
    part: (part) => parts.push(part),
    segment: (segment) => segments.push(segment),
  });
  for (const fragment of fragments) cutter.push(fragment);
  assert.equal(segments.length, 2, 'two segments closed by the next keyframe');
  cutter.flush();
  assert.deepEqual(segments.map((s) => Math.round(s.durationSeconds * 1000)), [2000, 2000, 2000]);
  assert.deepEqual(segments.map((s) => s.parts[0]!.independent), [true, true, true]);
  assert.ok(segments.every((s) => s.parts.length >= 8), 'parts of at most 250 ms');
  assert.equal(parts.length, fragments.length, 'every fragment is a part, announced as it comes');

  // A segment is its parts, back to back: a file ffprobe plays as one GOP.
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-parts-'));
  try {
    const file = join(dir, 'segment1.mp4');
    await writeFile(file, Buffer.concat([init.bytes, ...segments[1]!.parts.map((p) => p.bytes)]));
    // deno-fmt-ignore
    const packets = JSON.parse(execFileSync('ffprobe', [
      '-v', 'error', '-show_packets', '-of', 'json', file,
    ], { encoding: 'utf8' })).packets as { flags: string; pts_time: string }[];
    assert.equal(packets.length, 60);
    assert.ok(packets[0]!.flags.startsWith('K'));
    assert.equal(Number(packets.map((p) => Number(p.pts_time)).sort((a, b) => a - b)[0]), 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('audio: every part independent; segments cut at the target', async () => {
  const { init, fragments } = read(await fragmentedMp4('audio'));
  assert.equal(init.timescale, 48000);
  assert.ok(fragments.every((f) => f.independent));
  const segments: Segment[] = [];
  const cutter = createPartCutter({
    segmentSeconds: 2,
    timescale: init.timescale,
    part: () => {},
    segment: (segment) => segments.push(segment),
  });
  for (const fragment of fragments) cutter.push(fragment);
  cutter.flush();
  assert.ok(segments.length >= 3);
  for (const segment of segments.slice(0, -1)) {
    assert.ok(Math.abs(segment.durationSeconds - 2) < 0.3, `segment of ${segment.durationSeconds}`);
  }
});

test('bytes that are no fragmented MP4 are refused with a clear error', () => {
  const reader = createFmp4StreamReader({ init: () => {}, fragment: () => {} });
  assert.throws(
    () => reader.push(new TextEncoder().encode('#EXTM3U\n#EXT-X-VERSION:7\n')),
    /fMP4 stream: a box "M3U\\n" of \d+ bytes \(not a fragmented MP4\?\)$/,
  );
});
