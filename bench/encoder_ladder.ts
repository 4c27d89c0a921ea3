// The agent's one-decode ladder against two others, on the same input, in the same run:
// one ffmpeg per rendition (the same builder run once per rendition, all at once, as a node
// without the split would), and a plain one-process reference — the command a streaming
// engineer would write by hand for the same rungs: split and scale, the same x264 settings,
// but no fps filters, no keyframe probe, and the audio encoded into every variant. The
// ladder's extras (fps, probe) must cost less than the shared audio saves: goal ≤ 1.0×.
// CPU seconds come from ffmpeg's own `-benchmark` line (user + system of that process);
// speed is media seconds per wall second, unpaced, so it shows the headroom.
//
//   node --import tsx bench/encoder_ladder.ts [--seconds 20] [--height 1080] [--rounds 2] [--write]
//
// `--write` records the result in docs/benchmarks.md (its "Encoder ladder" section).
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { DEFAULT_LADDER } from '../core/wire/ladder.ts';
import {
  buildLadderArgv,
  fragmentPipeFd,
  gopFrames,
  hlsArgs,
} from '../appliance/encoder/ffmpeg/argv.ts';
import { createLlOutput, LOW_LATENCY_PARTS } from '../appliance/encoder/ll/ll_output.ts';
import type { Readable } from 'node:stream';
import { softwareBackend } from '../appliance/encoder/ffmpeg/backends/software.ts';
import { planLadder, type PlannedRendition } from '../appliance/encoder/ffmpeg/ladder_plan.ts';
import { writeSection } from './report.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    height: { type: 'string', default: '1080' },
    rounds: { type: 'string', default: '2' },
    write: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const height = Number(values.height);
const width = Math.round(height * 16 / 9 / 2) * 2;
const rounds = Number(values.rounds);

interface Measure {
  cpuSeconds: number;
  wallSeconds: number;
}

/**
 * Runs one ffmpeg with `-benchmark`; its last line says `bench: utime=…s stime=…s rtime=…s`.
 * `pipes`: low-latency mode, whose fragments come on file descriptors 3, 4, …: each is read
 * as the agent reads it (ll_output.ts), and this process's CPU for that is counted too.
 */
function ffmpegWithBenchmark(
  argv: string[],
  pipes: { dir: string; runId: string }[] = [],
): Promise<Measure> {
  return new Promise((resolve, reject) => {
    // The ladder argv logs warnings only; the bench line is printed at info level.
    const level = argv.indexOf('-loglevel');
    const args = level < 0 ? argv : [...argv.slice(0, level), ...argv.slice(level + 2)];
    const agentBefore = process.cpuUsage();
    const child = spawn('ffmpeg', ['-benchmark', ...args], {
      stdio: ['ignore', 'ignore', 'pipe', ...pipes.map(() => 'pipe' as const)],
    });
    const closed = pipes.map(({ dir, runId }, index) => {
      const output = createLlOutput({ dir, runId, segmentSeconds: 2, listSize: 10 });
      const pipe = child.stdio[fragmentPipeFd(index)] as Readable;
      pipe.on('data', (chunk: Buffer) => output.push(chunk));
      return new Promise<void>((done) => pipe.once('close', () => done(output.end())));
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk).slice(-8000)));
    child.on('error', reject);
    child.on('exit', async (code) => {
      await Promise.all(closed);
      const agent = process.cpuUsage(agentBefore);
      const agentSeconds = pipes.length ? (agent.user + agent.system) / 1e6 : 0;
      const match = /bench: utime=([\d.]+)s stime=([\d.]+)s rtime=([\d.]+)s/.exec(stderr);
      if (code !== 0 || !match) return reject(new Error(`ffmpeg failed (${code}):\n${stderr}`));
      resolve({
        cpuSeconds: Number(match[1]) + Number(match[2]) + agentSeconds,
        wallSeconds: Number(match[3]),
      });
    });
  });
}

async function ladder(
  input: string,
  dir: string,
  renditions: PlannedRendition[],
  runId: string,
  partSeconds?: number,
) {
  for (const r of renditions) await mkdir(join(dir, r.name), { recursive: true });
  return buildLadderArgv(
    {
      inputUrl: input,
      renditions,
      segmentSeconds: 2,
      roomDir: dir,
      runId,
      ...(partSeconds ? { partSeconds } : {}),
    },
    softwareBackend,
  );
}

/** The hand-written reference: one process, split + scale, audio muxed into each variant. */
async function reference(input: string, dir: string, renditions: PlannedRendition[]) {
  for (const r of renditions) await mkdir(join(dir, r.name), { recursive: true });
  const videos = renditions.filter((r) => r.kind === 'video');
  const audioKbps = renditions.find((r) => r.kind === 'audio')?.audioKbps ?? 128;
  const audio = ['-map', '0:a:0', '-c:a', 'aac', '-b:a', `${audioKbps}k`];
  const output = (name: string) => hlsArgs({ segmentSeconds: 2, roomDir: dir, runId: 'ref' }, name);
  const argv = ['-hide_banner', '-nostdin', '-y', '-i', input];
  if (videos.length) {
    argv.push(
      '-filter_complex',
      [
        `[0:v]split=${videos.length}${videos.map((_, i) => `[s${i}]`).join('')}`,
        ...videos.map((r, i) => `[s${i}]scale=${r.width}:${r.height}[v${i}]`),
      ].join(';'),
    );
  }
  for (const r of renditions) {
    if (r.kind === 'copy') argv.push('-map', '0:v:0', '-c:v', 'copy', ...audio, ...output(r.name));
    if (r.kind === 'audio') argv.push(...audio, ...output(r.name));
    if (r.kind === 'video') {
      argv.push(
        '-map',
        `[v${videos.indexOf(r)}]`,
        ...softwareBackend.videoEncoderArgs(r, 'v:0', gopFrames(r.fps, 2), 2),
        ...audio,
        ...output(r.name),
      );
    }
  }
  return argv;
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-bench-ladder-'));
  try {
    const input = join(dir, 'input.flv');
    // The collector's kind of ingest: H.264 with a 2 s GOP and AAC, in FLV.
    await run('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${width}x${height}:rate=30`,
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=48000',
      '-t',
      String(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'superfast',
      '-b:v',
      '4000k',
      '-g',
      '60',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-f',
      'flv',
      input,
    ]);
    const plan = planLadder(DEFAULT_LADDER, { width, height, fps: 30, hasAudio: true });
    const oneDecode: Measure[] = [];
    const perRendition: Measure[] = [];
    const plain: Measure[] = [];
    const lowLatency: Measure[] = [];
    for (let round = 0; round < rounds; round++) {
      // Rotate which goes first, so none always meets a warmer or busier machine.
      const order = ['one', 'per', 'ref', 'll'].map((_, i, all) => all[(i + round) % all.length]!);
      for (const which of order) {
        const out = join(dir, `${which}-${round}`);
        if (which === 'one') {
          oneDecode.push(await ffmpegWithBenchmark(await ladder(input, out, plan, `r${round}`)));
        } else if (which === 'll') {
          const argv = await ladder(input, out, plan, `r${round}`, LOW_LATENCY_PARTS.partSeconds);
          const pipes = plan.map((r) => ({ dir: join(out, r.name), runId: `r${round}` }));
          lowLatency.push(await ffmpegWithBenchmark(argv, pipes));
        } else if (which === 'ref') {
          plain.push(await ffmpegWithBenchmark(await reference(input, out, plan)));
        } else {
          const runs = await Promise.all(
            plan.map(async (r) =>
              ffmpegWithBenchmark(await ladder(input, join(out, r.name), [r], `r${round}`))
            ),
          );
          perRendition.push({
            cpuSeconds: runs.reduce((sum, m) => sum + m.cpuSeconds, 0),
            wallSeconds: Math.max(...runs.map((m) => m.wallSeconds)),
          });
        }
        await rm(out, { recursive: true, force: true });
      }
    }
    const mean = (list: Measure[], key: keyof Measure) =>
      list.reduce((sum, m) => sum + m[key], 0) / list.length;
    const one = { cpu: mean(oneDecode, 'cpuSeconds'), wall: mean(oneDecode, 'wallSeconds') };
    const per = { cpu: mean(perRendition, 'cpuSeconds'), wall: mean(perRendition, 'wallSeconds') };
    const ref = { cpu: mean(plain, 'cpuSeconds'), wall: mean(plain, 'wallSeconds') };
    const ll = { cpu: mean(lowLatency, 'cpuSeconds'), wall: mean(lowLatency, 'wallSeconds') };
    const rungs = plan.map((r) => r.name).join(', ');
    const lines = [
      `Input: ${seconds} s of ${width}x${height}p30 testsrc2 + sine (H.264 superfast, 2 s GOP, AAC, FLV).`,
      `Ladder: ${rungs} (x264 veryfast), CMAF HLS 2 s. ${rounds} rounds each, rotating order,`,
      `on ${cpus().length} cores (${cpus()[0]?.model.trim()}), measured ${
        new Date().toISOString().slice(0, 10)
      }.`,
      '',
      '| | CPU seconds | cores per live room | speed (media s / wall s) |',
      '| --- | --- | --- | --- |',
      `| one ffmpeg, decode once, split (baseline) | ${one.cpu.toFixed(1)} | ${
        (one.cpu / seconds).toFixed(2)
      } | ${(seconds / one.wall).toFixed(2)}x |`,
      `| one ffmpeg per rendition, all at once | ${per.cpu.toFixed(1)} | ${
        (per.cpu / seconds).toFixed(2)
      } | ${(seconds / per.wall).toFixed(2)}x |`,
      `| the same ladder in low-latency mode (fMP4 pipes, parts cut by the agent) | ${
        ll.cpu.toFixed(1)
      } | ${(ll.cpu / seconds).toFixed(2)} | ${(seconds / ll.wall).toFixed(2)}x |`,
      `| plain one-process reference (audio per variant, no fps, no probe) | ${
        ref.cpu.toFixed(1)
      } | ${(ref.cpu / seconds).toFixed(2)} | ${(seconds / ref.wall).toFixed(2)}x |`,
      '',
      `One ffmpeg per rendition uses **${(per.cpu / one.cpu).toFixed(2)}×** the CPU of the ` +
      `one-decode ladder and runs at ${(one.wall / per.wall).toFixed(2)}× its speed. ` +
      `The ladder uses **${(one.cpu / ref.cpu).toFixed(2)}×** the CPU of the plain reference ` +
      `(goal ≤ 1.00×: ${one.cpu <= ref.cpu ? 'met' : 'not met'}). ` +
      `Low-latency mode, ffmpeg and the agent's part cutting together, uses **${
        (ll.cpu / one.cpu).toFixed(2)
      }×** the CPU of the standard ladder (goal ≤ 1.10×: ${
        ll.cpu <= one.cpu * 1.1 ? 'met' : 'not met'
      }).`,
    ];
    console.log(lines.join('\n'));
    if (values.write) await writeSection('Encoder ladder', lines.join('\n'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
