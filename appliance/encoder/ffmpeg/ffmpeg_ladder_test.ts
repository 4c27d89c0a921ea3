// The ladder argv run by the real ffmpeg (5.1 on Debian) on a generated 5 s FLV of H.264
// and AAC, as nginx-rtmp would hand it over, read as fast as it goes. What is checked is
// what the agent and the players rely on: where every file lands, what each rendition is
// (ffprobe), that keyframes fall on the same frames in every video rendition, and that
// each rung's bitrate is near its target.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Rendition } from '../../../core/wire/contracts.ts';
import { DEFAULT_LADDER } from '../../../core/wire/ladder.ts';
import { buildLadderArgv, initSegmentName, privatePlaylistPath } from './argv.ts';
import { softwareBackend } from './backends/software.ts';
import { keyframeTimeOf } from './keyframe_watch.ts';
import {
  planLadder,
  type PlannedRendition,
  type PlanOptions,
  type SourceInfo,
} from './ladder_plan.ts';
import { createProgressParser, type ProgressBlock } from './progress.ts';
import { createStderrReader, type StderrMessage } from './stderr_messages.ts';

const FFMPEG = '/usr/bin/ffmpeg';
const FFPROBE = '/usr/bin/ffprobe';

const SEGMENT_SECONDS = 2;
const SOURCE = { width: 1280, height: 720, fps: 30, hasAudio: true };

function run(
  command: string,
  args: string[],
  onStdout?: (chunk: string) => void,
  onStderr?: (chunk: string) => void,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} failed: ${error.message}\n${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
    if (onStdout) child.stdout?.on('data', (chunk: Buffer | string) => onStdout(String(chunk)));
    if (onStderr) child.stderr?.on('data', (chunk: Buffer | string) => onStderr(String(chunk)));
  });
}

async function probe<T>(file: string, args: string[]): Promise<T> {
  const { stdout } = await run(FFPROBE, ['-v', 'error', ...args, '-of', 'json', file]);
  return JSON.parse(stdout) as T;
}

interface Stream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
}
interface Packet {
  pts_time: string;
  flags: string;
  size: string;
}

let work = '';
let input = '';

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'roomcast-ladder-'));
  input = join(work, 'publisher.flv');
  // What a publisher sends: H.264 with a 2 s GOP (as the ingest guidance asks) and AAC.
  await run(FFMPEG, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=1280x720:rate=30',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-g',
    '60',
    '-keyint_min',
    '60',
    '-sc_threshold',
    '0',
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    '4000k',
    '-c:a',
    'aac',
    '-ac',
    '2',
    '-t',
    '5',
    '-f',
    'flv',
    input,
  ]);
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

interface LadderRun {
  roomDir: string;
  runId: string;
  plan: PlannedRendition[];
  blocks: ProgressBlock[];
  messages: StderrMessage[];
  /** The publisher's keyframes, as the keyframe probe printed them (seconds). */
  keyframes: number[];
}

async function runLadder(
  name: string,
  ladder: readonly Rendition[],
  from = input,
  source: SourceInfo = SOURCE,
  options: PlanOptions = {},
): Promise<LadderRun> {
  const roomDir = join(work, name);
  const runId = 'r000001';
  const plan = planLadder(ladder, source, options);
  for (const r of plan) await mkdir(join(roomDir, r.name), { recursive: true });
  const argv = buildLadderArgv(
    { inputUrl: from, renditions: plan, segmentSeconds: SEGMENT_SECONDS, roomDir, runId },
    softwareBackend,
  );
  const blocks: ProgressBlock[] = [];
  const messages: StderrMessage[] = [];
  const progress = createProgressParser((block) => blocks.push(block));
  const keyframes: number[] = [];
  const stderr = createStderrReader((message) => messages.push(message), {
    onInfoLine: (line) => {
      const time = keyframeTimeOf(line);
      if (time !== null) keyframes.push(time);
    },
  });
  // cwd is the work dir: an init segment put "next to the process" would show up there.
  await run(FFMPEG, argv, (c) => progress.push(c), (c) => stderr.push(c));
  stderr.end();
  return { roomDir, runId, plan, blocks, messages, keyframes };
}

/** The rendition's segments in playlist order, after checking the files are all there. */
async function checkFiles(ladder: LadderRun, name: string): Promise<string[]> {
  const dir = join(ladder.roomDir, name);
  const playlist = await readFile(privatePlaylistPath(ladder.roomDir, name, ladder.runId), 'utf8');
  const segments = playlist.split('\n').filter((line) => line.endsWith('.m4s'));
  assert.ok(segments.length >= 2, `${name}: ${segments.length} segments\n${playlist}`);
  assert.match(playlist, new RegExp(`#EXT-X-MAP:URI="${initSegmentName(ladder.runId)}"`));
  assert.equal(
    playlist.split('\n').filter((line) => line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')).length,
    segments.length,
    `${name}: a date-time per segment`,
  );
  // ffmpeg 5.1 writes the tag only for outputs with video (every audio packet is a
  // keyframe anyway); the agent's public playlists carry their own tags.
  const hasVideo = ladder.plan.find((r) => r.name === name)?.kind !== 'audio';
  assert.equal(playlist.includes('#EXT-X-INDEPENDENT-SEGMENTS'), hasVideo, name);
  const files = (await readdir(dir)).sort();
  assert.deepEqual(
    files,
    [initSegmentName(ladder.runId), `${ladder.runId}.m3u8`, ...segments].sort(),
    `${name}: the init segment, playlist and segments in the rendition's directory, no .tmp`,
  );
  return segments;
}

/** init + segments as one fMP4 file, the way a player reads the rendition. */
async function joined(ladder: LadderRun, name: string, segments: string[]): Promise<string> {
  const dir = join(ladder.roomDir, name);
  const parts = [initSegmentName(ladder.runId), ...segments];
  const buffers = await Promise.all(parts.map((part) => readFile(join(dir, part))));
  const file = join(ladder.roomDir, `${name}.mp4`);
  await writeFile(file, Buffer.concat(buffers));
  return file;
}

async function packets(file: string, stream: string): Promise<Packet[]> {
  const out = await probe<{ packets: Packet[] }>(file, [
    '-select_streams',
    stream,
    '-show_entries',
    'packet=pts_time,flags,size',
  ]);
  return out.packets;
}

function kbps(list: Packet[], seconds: number): number {
  return list.reduce((sum, p) => sum + Number(p.size), 0) * 8 / 1000 / seconds;
}

test(
  'the default ladder: files, codecs, sizes, aligned keyframes, bitrates',
  async (t) => {
    const ladder = await runLadder('default', DEFAULT_LADDER);
    // A 720p source: the 720p rung would be the source re-encoded from itself; it is left out.
    assert.deepEqual(ladder.plan.map((r) => r.name), ['source', '480p', '360p', 'audio']);
    // The keyframe probe saw the publisher's keyframes, one per 2 s GOP.
    assert.deepEqual(ladder.keyframes.map((t) => Math.round(t * 10) / 10), [0, 2, 4]);

    // ffmpeg's own reports went through the parsers: progress to its end, no error messages.
    const last = ladder.blocks.at(-1);
    assert.ok(last?.end && last.speed !== null && last.outTimeSeconds! > 4.5, JSON.stringify(last));
    assert.deepEqual(ladder.messages.filter((m) => m.severity !== 'info'), []);
    // Nothing (an init segment, say) was written beside the room's rendition directories.
    assert.deepEqual((await readdir(ladder.roomDir)).sort(), ladder.plan.map((r) => r.name).sort());

    const expected: Record<string, { video?: [string, number, number]; kbps?: number }> = {
      source: { video: ['h264', 1280, 720] },
      '480p': { video: ['h264', 854, 480], kbps: 1400 },
      '360p': { video: ['h264', 640, 360], kbps: 800 },
      audio: {},
    };
    const keyframes: Record<string, number[]> = {};
    for (const r of ladder.plan) {
      const segments = await checkFiles(ladder, r.name);
      const file = await joined(ladder, r.name, segments);
      const { streams } = await probe<{ streams: Stream[] }>(file, [
        '-show_entries',
        'stream=codec_type,codec_name,width,height,sample_rate,channels',
      ]);
      const want = expected[r.name]!;
      const video = streams.filter((s) => s.codec_type === 'video');
      const audio = streams.filter((s) => s.codec_type === 'audio');
      assert.deepEqual(
        video.map((s) => [s.codec_name, s.width, s.height]),
        want.video ? [want.video] : [],
        `${r.name} video`,
      );
      // The audio is encoded once, in the audio rendition every variant shares.
      assert.deepEqual(
        audio.map((s) => [s.codec_name, s.sample_rate, s.channels]),
        r.kind === 'audio' ? [['aac', '48000', 2]] : [],
        `${r.name} audio`,
      );
      if (want.video) {
        const list = await packets(file, 'v:0');
        keyframes[r.name] = list.filter((p) => p.flags.startsWith('K')).map((p) => +p.pts_time);
        if (want.kbps) {
          const rate = kbps(list, list.length / SOURCE.fps);
          t.diagnostic(`${r.name}: video ${rate.toFixed(0)} kb/s (target ${want.kbps})`);
          assert.ok(
            rate > want.kbps * 0.6 && rate < want.kbps * 1.15,
            `${r.name}: ${rate.toFixed(0)} kb/s for a ${want.kbps} kb/s target`,
          );
        }
      }
      if (r.kind === 'audio') {
        const target = r.audioKbps;
        const list = await packets(file, 'a:0');
        const rate = kbps(list, (list.length * 1024) / 48_000);
        t.diagnostic(`${r.name}: audio ${rate.toFixed(0)} kb/s (target ${target})`);
        assert.ok(
          rate > target * 0.8 && rate < target * 1.2,
          `${r.name}: audio ${rate.toFixed(0)} kb/s for ${target}`,
        );
      }
    }

    // One keyframe per segment start (0, 2, 4 s of a 5 s input) in every video rendition.
    // The rungs share one timeline: identical. The copy keeps the publisher's whole-millisecond
    // timestamps while the rungs sit on the encoder's 1/30 s grid: the same frames, less than
    // half a frame apart.
    t.diagnostic(`keyframes (s): ${JSON.stringify(keyframes)}`);
    assert.deepEqual(keyframes['360p'], keyframes['480p'], '360p');
    assert.equal(keyframes['480p']!.length, 3, JSON.stringify(keyframes));
    assert.equal(keyframes.source!.length, 3, JSON.stringify(keyframes));
    keyframes.source!.forEach((t, i) => {
      const gap = Math.abs(t - keyframes['480p']![i]!);
      assert.ok(gap < 0.5 / SOURCE.fps, `keyframe ${i}: copy ${t} vs rungs ${keyframes['480p']}`);
    });
  },
);

test('a VP9 rung comes out as VP9 in fMP4', async () => {
  const ladder = await runLadder('vp9', [
    { name: '360p-vp9', codec: 'vp9', height: 360, videoKbps: 600, audioKbps: 64 },
  ]);
  const segments = await checkFiles(ladder, '360p-vp9');
  const file = await joined(ladder, '360p-vp9', segments);
  const { streams, format } = await probe<{ streams: Stream[]; format: { format_name: string } }>(
    file,
    ['-show_entries', 'stream=codec_type,codec_name,width,height:format=format_name'],
  );
  assert.match(format.format_name, /mp4/);
  assert.deepEqual(streams.map((s) => [s.codec_name, s.width ?? null, s.height ?? null]), [
    ['vp9', 640, 360],
  ]);
  // Its audio is the shared rendition, named 'audio' as the ladder has none of its own.
  assert.deepEqual(ladder.plan.map((r) => r.name), ['360p-vp9', 'audio']);
  const keys = (await packets(file, 'v:0')).filter((p) => p.flags.startsWith('K'));
  assert.equal(keys.length, 3, 'a keyframe every 2 s');
});

test('picture starting after the audio (as nginx sends it): rungs keep the copy keyframes', async () => {
  // nginx-rtmp sends a new subscriber the audio at once and the video from the publisher's next
  // keyframe: here the picture starts 1.5 s into the input.
  const late = join(work, 'late-picture.flv');
  await run(FFMPEG, [
    ...['-hide_banner', '-loglevel', 'error'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=6.5'],
    ...['-itsoffset', '1.5', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=5'],
    ...['-map', '1:v', '-map', '0:a', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60'],
    ...['-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ac', '2', '-f', 'flv', late],
  ]);
  const ladder = await runLadder(
    'late',
    [
      { name: 'source', codec: 'copy' },
      { name: '240p', codec: 'h264', height: 240, videoKbps: 400, audioKbps: 64 },
    ],
    late,
    { width: 640, height: 360, fps: 30, hasAudio: true },
  );
  const keyframes: number[][] = [];
  for (const name of ['source', '240p']) {
    const file = await joined(ladder, name, await checkFiles(ladder, name));
    const list = await packets(file, 'v:0');
    keyframes.push(list.filter((p) => p.flags.startsWith('K')).map((p) => +p.pts_time));
  }
  const [copy, rung] = keyframes as [number[], number[]];
  assert.equal(copy.length, 3, JSON.stringify(keyframes));
  assert.equal(rung.length, copy.length, JSON.stringify(keyframes));
  // The same frames: ffmpeg's default constant-rate sync would instead have filled the first
  // 1.5 s with copies of the first picture and put the rung's keyframes at 0, 2, 4. What is
  // left is the 1/30 s grid and the AAC encoder's 21 ms priming (see README.md).
  rung.forEach((t, i) => {
    assert.ok(Math.abs(t - copy[i]!) < 0.05, `keyframe ${i}: ${JSON.stringify(keyframes)}`);
  });
});

test("a publisher's 8.3 s GOP: the probe sees it, and a re-encoded source lines up with the rungs", async () => {
  // OBS with the keyframe interval left at x264's default: 250 frames, 8.3 s at 30 fps.
  const longGop = join(work, 'long-gop.flv');
  await run(FFMPEG, [
    ...['-hide_banner', '-loglevel', 'error'],
    ...['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '250', '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-ac', '2', '-t', '9', '-f', 'flv', longGop],
  ]);
  const ladder = await runLadder('long-gop', DEFAULT_LADDER, longGop, SOURCE, {
    reencodeSource: true,
  });
  assert.equal(ladder.keyframes.length, 2, JSON.stringify(ladder.keyframes));
  const interval = ladder.keyframes[1]! - ladder.keyframes[0]!;
  assert.ok(Math.abs(interval - 250 / 30) < 0.05, `keyframes ${ladder.keyframes}`);
  const source = ladder.plan.find((r) => r.name === 'source');
  assert.equal(source?.kind === 'video' && source.replacesCopy, true, JSON.stringify(source));
  const keyframes: Record<string, number[]> = {};
  for (const name of ['source', '480p', '360p']) {
    const file = await joined(ladder, name, await checkFiles(ladder, name));
    const list = await packets(file, 'v:0');
    keyframes[name] = list.filter((p) => p.flags.startsWith('K')).map((p) => +p.pts_time);
  }
  // 0, 2, 4, 6, 8 s in every rendition, the source too: one keyframe per 2 s segment.
  assert.equal(keyframes.source!.length, 5, JSON.stringify(keyframes));
  assert.deepEqual(keyframes['480p'], keyframes.source, JSON.stringify(keyframes));
  assert.deepEqual(keyframes['360p'], keyframes.source, JSON.stringify(keyframes));
});
