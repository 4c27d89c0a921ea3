// The low-latency ladder by the real ffmpeg (5.1 on Debian): the argv with partSeconds,
// each rendition's fragmented MP4 on its own pipe, read by ll_output.ts as the agent reads
// it, on a generated 5 s FLV of H.264 and AAC (as nginx-rtmp hands it over). Checked with
// ffprobe: the files are playable fMP4, each segment starts on a keyframe and is exactly its
// parts, the parts are ~0.2 s, and the passthrough and the rung cut on the same frames.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { buildLadderArgv, fragmentPipeFd, initSegmentName } from '../ffmpeg/argv.ts';
import { softwareBackend } from '../ffmpeg/backends/software.ts';
import { planLadder } from '../ffmpeg/ladder_plan.ts';
import { createLlOutput, type LlOutput, LOW_LATENCY_PARTS } from './ll_output.ts';

const FFMPEG = '/usr/bin/ffmpeg';
const FFPROBE = '/usr/bin/ffprobe';
const SEGMENT_SECONDS = 2;

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 64 << 20, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

let work = '';
const outputs = new Map<string, LlOutput>();
let roomDir = '';
const RUN_ID = 'r000001';

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'roomcast-ll-ladder-'));
  const input = join(work, 'publisher.flv');
  // deno-fmt-ignore
  await run(FFMPEG, [
    '-hide_banner', '-loglevel', 'error',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-keyint_min', '60',
    '-sc_threshold', '0', '-pix_fmt', 'yuv420p', '-b:v', '1000k',
    '-c:a', 'aac', '-ac', '2', '-t', '5', '-f', 'flv', input,
  ]);
  const plan = planLadder([
    { name: 'source', codec: 'copy' },
    { name: '180p', codec: 'h264', height: 180, videoKbps: 300, audioKbps: 64 },
    { name: 'audio', codec: 'audio', audioKbps: 64 },
  ], { width: 640, height: 360, fps: 30, hasAudio: true });
  roomDir = join(work, 'room');
  const argv = buildLadderArgv({
    inputUrl: input,
    renditions: plan,
    segmentSeconds: SEGMENT_SECONDS,
    roomDir,
    runId: RUN_ID,
    partSeconds: LOW_LATENCY_PARTS.partSeconds,
  }, softwareBackend);
  const child = spawn(FFMPEG, argv, {
    stdio: ['ignore', 'ignore', 'pipe', ...plan.map(() => 'pipe' as const)],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const closed: Promise<void>[] = [];
  for (const [index, rendition] of plan.entries()) {
    const dir = join(roomDir, rendition.name);
    await mkdir(dir, { recursive: true });
    const output = createLlOutput({
      dir,
      runId: RUN_ID,
      segmentSeconds: SEGMENT_SECONDS,
      listSize: 10,
    });
    outputs.set(rendition.name, output);
    const pipe = child.stdio[fragmentPipeFd(index)] as Readable;
    pipe.on('data', (chunk: Buffer) => output.push(chunk));
    closed.push(new Promise((resolve) => pipe.once('close', () => resolve(output.end()))));
  }
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  await Promise.all(closed);
  assert.equal(code, 0, stderr.slice(-2000));
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

interface Frame {
  pts_time: string;
  key_frame: number;
}

/** A segment as a player decodes it: its run's init segment, then the segment. */
async function framesOf(rendition: string, uri: string): Promise<Frame[]> {
  const dir = join(roomDir, rendition);
  const joined = join(work, `${rendition}-${uri}.mp4`);
  await writeFile(
    joined,
    Buffer.concat([
      await readFile(join(dir, initSegmentName(RUN_ID))),
      await readFile(join(dir, uri)),
    ]),
  );
  const out = JSON.parse(
    await run(FFPROBE, [
      '-v',
      'error',
      '-select_streams',
      '0',
      '-show_entries',
      'frame=pts_time,key_frame',
      '-of',
      'json',
      joined,
    ]),
  );
  return out.frames;
}

test('every rendition: 5 s as segments of 2 s that are exactly their parts, each ≤ PART-TARGET', async () => {
  for (const [name, output] of outputs) {
    assert.equal(output.failure(), null, name);
    const list = output.privatePlaylist()!;
    const total = list.segments.reduce((sum, segment) => sum + segment.duration, 0);
    assert.ok(Math.abs(total - 5) < 0.2, `${name}: ${total} s in all`);
    assert.ok(list.segments.length === 3, `${name}: ${list.segments.length} segments`);
    for (const segment of list.segments) {
      const parts = output.partsOf(segment.uri)!;
      assert.ok(parts.length >= 2, `${name} ${segment.uri}: ${parts.length} parts`);
      assert.ok(parts[0]!.independent, `${name} ${segment.uri} starts with an independent part`);
      for (const part of parts) {
        assert.ok(
          part.durationSeconds <= LOW_LATENCY_PARTS.partTargetSeconds,
          `${name} ${part.uri}: ${part.durationSeconds} s`,
        );
      }
      const dir = join(roomDir, name);
      const joined = Buffer.concat(
        await Promise.all(parts.map((part) => readFile(join(dir, part.uri)))),
      );
      assert.ok((await readFile(join(dir, segment.uri))).equals(joined), segment.uri);
    }
    assert.equal(output.nextPartUri(), null, 'nothing more is coming');
  }
});

test('video segments decode from a keyframe, and the passthrough and the rung cut on the same frames', async () => {
  const starts: Record<string, string[]> = {};
  for (const name of ['source', '180p']) {
    const list = outputs.get(name)!.privatePlaylist()!;
    starts[name] = [];
    for (const segment of list.segments) {
      const frames = await framesOf(name, segment.uri);
      assert.equal(frames[0]!.key_frame, 1, `${name} ${segment.uri} starts on a keyframe`);
      assert.equal(
        frames.length,
        Math.round(segment.duration * 30),
        `${name} ${segment.uri}: a frame per 1/30 s`,
      );
      starts[name].push(Number(frames[0]!.pts_time).toFixed(2));
    }
  }
  assert.deepEqual(starts['180p'], starts['source']);
});
