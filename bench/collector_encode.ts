// The collector's CPU for its light encode, at 720p30 and 1080p30, against a baseline of
// the same test source and conform chain with no encoders, measured in the same run.
//  * full: the real pipeline worker (appliance/collector/worker/main.ts), forked and
//    started over IPC as the daemon does, output preset superfast (the default). Nothing
//    connects the uplink, so its FLV tags are pulled and dropped, as on a box without an
//    encoder to push to.
//  * ultrafast: the same with output.preset ultrafast (the recording encoder follows it).
//  * baseline: gst-launch-1.0 with the worker's own capture description cut after the
//    conform chains: the video chain up to `tee name=video` and the audio chain up to
//    `level`, each into a fakesink.
// Cores = CPU seconds (utime + stime of every thread, from /proc/<pid>/stat) over a window
// of wall time, after a warm-up, paced by the live test source. Media speed says whether a
// run kept up with live: the worker sends one preview per second of media, and the
// baseline's video ends in a progressreport that prints its position every second. Each
// x264 encoder's share is read from its own threads (/proc/<pid>/task/*/stat).
//
//   node --import tsx bench/collector_encode.ts [--seconds 20] [--warmup 3] [--rounds 2] [--write]
//
// `--write` records the result in docs/benchmarks.md (its "Collector light encode" section).
import { type ChildProcess, execFile, fork, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { chain } from '../appliance/collector/pipeline/gst_syntax.ts';
import {
  type CapturePlan,
  describeCapturePipeline,
  ELEMENT,
} from '../appliance/collector/pipeline/describe.ts';
import {
  testPatternAudio,
  testPatternVideo,
} from '../appliance/collector/pipeline/sources/test_pattern.ts';
import type { DaemonMessage, WorkerMessage } from '../appliance/collector/worker_protocol.ts';
import { writeSection } from './report.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    write: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const warmupSeconds = Number(values.warmup);
const rounds = Number(values.rounds);

const WORKER_ENTRY = fileURLToPath(
  new URL('../appliance/collector/worker/main.ts', import.meta.url),
);
/** The baseline's progressreport element, whose stdout lines give its media position. */
const PROGRESS = 'progress';
/** How long a variant may take to play, and to exit once asked, before the bench gives up. */
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 6_000;

interface Resolution {
  name: string;
  width: number;
  height: number;
  videoKbps: number;
  recordingKbps: number;
}

const RESOLUTIONS: Resolution[] = [
  { name: '720p30', width: 1280, height: 720, videoKbps: 2500, recordingKbps: 8000 },
  { name: '1080p30', width: 1920, height: 1080, videoKbps: 4000, recordingKbps: 12000 },
];

type Variant = 'baseline' | 'full' | 'ultrafast';
const VARIANTS: Variant[] = ['baseline', 'full', 'ultrafast'];

interface Measure {
  /** CPU seconds of the process per wall second. */
  cores: number;
  /** Media seconds per wall second: 1.00 when it keeps up with live. */
  speed: number;
  /** The process's busiest thread: near 1.00 core, that one thread is the limit. */
  busiest: { thread: string; cores: number };
  /** Cores of the threads of the uplink and the recording encoder (worker runs only). */
  encoders: { uplink: number; recording: number } | null;
  /** Cores busy on the whole machine in the same window (ours included): how shared it was. */
  machine: number;
}

function planFor(resolution: Resolution, preset: 'superfast' | 'ultrafast', dir: string) {
  return {
    room: 'bench',
    source: { kind: 'test', device: '/dev/video0', deckLinkIndex: 0 },
    audio: { kind: 'test', device: 'default' },
    output: {
      width: resolution.width,
      height: resolution.height,
      fps: 30,
      videoKbps: resolution.videoKbps,
      audioKbps: 128,
      preset,
      gopSeconds: 2,
    },
    recording: {
      location: join(dir, 'bench-%05d.ts'),
      segmentSeconds: 10,
      videoKbps: resolution.recordingKbps,
    },
  } satisfies Omit<CapturePlan, 'clockEpoch'>;
}

/**
 * The worker's own capture description, cut after the conform chains: video up to
 * `tee name=video`, audio up to `level`, each ending in a fakesink (the video through a
 * progressreport, which prints how far its media has come), plus the test tone's generators. Checked against the exported test-pattern sources, so the cut cannot
 * silently take more or less than source + conform.
 */
function describeBaseline(plan: CapturePlan): string {
  const full = describeCapturePipeline(plan);
  const video = testPatternVideo({ ...plan.output, room: plan.room, clockEpoch: plan.clockEpoch });
  const audio = testPatternAudio();
  const videoEnd = full.indexOf(' ! tee name=video ');
  const audioStart = full.indexOf(`${audio.head} ! `, videoEnd);
  const levelAt = full.indexOf(` ! level name=${ELEMENT.levels} `, audioStart);
  const audioEnd = full.indexOf(' ! ', levelAt + 3);
  if (!full.startsWith(`${video.head} ! `) || videoEnd < 0 || audioStart < 0 || levelAt < 0) {
    throw new Error(`the capture description no longer has the expected shape:\n${full}`);
  }
  for (const side of [...video.sideChains, ...audio.sideChains]) {
    if (!full.includes(side)) throw new Error(`side chain not in the description: ${side}`);
  }
  const baseline = [
    chain(full.slice(0, videoEnd), `progressreport name=${PROGRESS} update-freq=1`, 'fakesink'),
    chain(full.slice(audioStart, audioEnd), 'fakesink'),
    ...video.sideChains,
    ...audio.sideChains,
  ].join(' ');
  if (/enc\b|mux|appsink/.test(baseline)) throw new Error(`baseline has encoders:\n${baseline}`);
  return baseline;
}

/**
 * Names of the threads that run the uplink and the recording encoders: each x264enc runs
 * in the streaming thread of the queue before it (`queue<N>:src`, N counting the pipeline's
 * unnamed queues in order), and x264's own threads inherit that name.
 */
function encoderThreads(plan: CapturePlan): { uplink: string; recording: string } {
  const words = launchArgv(describeCapturePipeline(plan));
  const queueBefore = (marker: string) => {
    const at = words.indexOf(marker);
    const queues =
      words.slice(0, at).filter((word, i, all) =>
        word === 'queue' && (i === 0 || all[i - 1] === '!')
      ).length;
    if (at < 0 || queues === 0) throw new Error(`no queue before ${marker}`);
    return `queue${queues - 1}:src`;
  };
  return {
    uplink: queueBefore(`name=${ELEMENT.uplinkEncoder}`),
    recording: queueBefore(`name=${ELEMENT.recordVideoValve}`),
  };
}

/** gst-launch takes the description as argv words; quoted values stay one word. */
function launchArgv(description: string): string[] {
  return description.match(/(?:[^\s"]+|"(?:\\.|[^"\\])*")+/g) ?? [];
}

/** CPU seconds so far of every thread of `pid` (fields 14 and 15 of /proc/<pid>/stat). */
async function cpuSeconds(pid: number, ticksPerSecond: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; count fields from after its `)`.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** CPU seconds every core of the machine spent busy so far (the `cpu` line of /proc/stat). */
async function machineBusySeconds(ticksPerSecond: number): Promise<number> {
  const text = await readFile('/proc/stat', 'utf8');
  // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
  const [user, nice, system, , , irq, softirq, steal] = text.split('\n')[0]!.trim().split(/\s+/)
    .slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / ticksPerSecond;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU seconds so far of each thread of `pid`, by thread id, with the thread's name. */
async function threadSeconds(pid: number, ticksPerSecond: number) {
  const threads = new Map<string, { name: string; seconds: number }>();
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    // A thread may end between the listing and the read.
    const text = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
    if (!text) continue;
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    threads.set(tid, {
      name: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
      seconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond,
    });
  }
  return threads;
}

/**
 * Warms up, then measures `pid` over `seconds` of wall time. `alive` throws when the
 * process failed; `mediaSeconds` says how far its media has come.
 */
async function measure(
  pid: number,
  ticksPerSecond: number,
  alive: () => void,
  mediaSeconds: () => number,
): Promise<Measure & { byName: Map<string, number> }> {
  await sleep(warmupSeconds * 1000);
  alive();
  const snapshot = async () => ({
    cpu: await cpuSeconds(pid, ticksPerSecond),
    threads: await threadSeconds(pid, ticksPerSecond),
    machine: await machineBusySeconds(ticksPerSecond),
    media: mediaSeconds(),
    wall: performance.now() / 1000,
  });
  const before = await snapshot();
  await sleep(seconds * 1000);
  alive();
  const after = await snapshot();
  const wall = after.wall - before.wall;
  const busiest = { thread: '', cores: 0 };
  const byName = new Map<string, number>();
  for (const [tid, { name, seconds }] of after.threads) {
    const cores = (seconds - (before.threads.get(tid)?.seconds ?? 0)) / wall;
    if (cores > busiest.cores) Object.assign(busiest, { thread: name, cores });
    byName.set(name, (byName.get(name) ?? 0) + cores);
  }
  return {
    cores: (after.cpu - before.cpu) / wall,
    speed: (after.media - before.media) / wall,
    busiest,
    encoders: null,
    byName,
    machine: (after.machine - before.machine) / wall,
  };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

async function stopChild(child: ChildProcess, ask: () => void): Promise<void> {
  const gone = exited(child);
  ask();
  const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await gone;
  clearTimeout(killer);
}

async function runWorker(plan: Omit<CapturePlan, 'clockEpoch'>, ticks: number) {
  const worker = fork(WORKER_ENTRY, [], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let failure: string | null = null;
  let previews = 0;
  const playing = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('worker did not play')), START_TIMEOUT_MS);
    worker.on('message', (raw) => {
      const message = raw as WorkerMessage;
      if (message.type === 'playing') {
        clearTimeout(timer);
        resolve();
      } else if (message.type === 'preview') previews++;
      else if (message.type === 'fatal') {
        failure = message.message;
        reject(new Error(`worker: ${message.message}`));
      }
    });
    worker.once('exit', (code) => reject(new Error(`worker exited (${code}) before playing`)));
  });
  try {
    worker.send({ type: 'start', alignToSecond: false, plan } satisfies DaemonMessage);
    await playing;
    const alive = () => {
      if (failure || worker.exitCode !== null) {
        throw new Error(`worker stopped while measured: ${failure ?? worker.exitCode}`);
      }
    };
    // The preview is 1 fps of media, so previews count media seconds.
    return await measure(worker.pid!, ticks, alive, () => previews);
  } finally {
    await stopChild(worker, () => {
      if (worker.connected) worker.send({ type: 'stop' } satisfies DaemonMessage);
      else worker.kill('SIGTERM');
    });
  }
}

async function runBaseline(description: string, ticks: number) {
  const child = spawn('gst-launch-1.0', launchArgv(description), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  /** Media seconds the video has reached, as progressreport last printed it. */
  let position = 0;
  const progress = new RegExp(`^${PROGRESS} \\([\\d:]+\\): (\\d+) seconds`, 'gm');
  const keep = (chunk: Buffer) => (output = (output + chunk).slice(-8000));
  child.stderr!.on('data', keep);
  const playing = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('gst-launch did not play')), START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      keep(chunk);
      const last = [...output.matchAll(progress)].at(-1);
      if (last) position = Number(last[1]);
      if (output.includes('Setting pipeline to PLAYING')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`gst-launch exited (${code}):\n${output}`)));
  });
  try {
    await playing;
    return await measure(child.pid!, ticks, () => {
      if (child.exitCode !== null) throw new Error(`gst-launch stopped:\n${output}`);
    }, () => position);
  } finally {
    await stopChild(child, () => child.kill('SIGINT'));
  }
}

async function bytesIn(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

async function runVariant(
  variant: Variant,
  resolution: Resolution,
  ticks: number,
): Promise<Measure> {
  const result = await runVariantOnce(variant, resolution, ticks);
  // CPU of one process over wall time: anything outside 0..cores means a wrong reading.
  if (!(result.cores >= 0 && result.cores <= cpus().length + 0.05 && result.speed > 0)) {
    throw new Error(`${resolution.name} ${variant}: implausible ${JSON.stringify(result)}`);
  }
  return result;
}

async function runVariantOnce(
  variant: Variant,
  resolution: Resolution,
  ticks: number,
): Promise<Measure> {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-bench-collector-'));
  try {
    const plan = planFor(resolution, variant === 'ultrafast' ? 'ultrafast' : 'superfast', dir);
    if (variant === 'baseline') {
      const clockEpoch = new Date().toISOString();
      const { byName: _, ...result } = await runBaseline(
        describeBaseline({ ...plan, clockEpoch }),
        ticks,
      );
      return result;
    }
    const threads = encoderThreads({ ...plan, clockEpoch: new Date().toISOString() });
    const { byName, ...result } = await runWorker(plan, ticks);
    // The recording encoder really ran: its MPEG-TS files hold data.
    if ((await bytesIn(dir)) === 0) throw new Error(`${variant}: no recording written`);
    const encoders = {
      uplink: byName.get(threads.uplink) ?? 0,
      recording: byName.get(threads.recording) ?? 0,
    };
    if (!encoders.uplink || !encoders.recording) {
      throw new Error(`${variant}: no threads named ${threads.uplink} / ${threads.recording}`);
    }
    return { ...result, encoders };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const median = (list: number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function clockTicks(): Promise<number> {
  try {
    const ticks = Number((await run('getconf', ['CLK_TCK'])).stdout.trim());
    return ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

async function main() {
  const ticks = await clockTicks();
  const results = new Map<string, Measure[]>();
  for (let round = 0; round < rounds; round++) {
    // Alternate the order, so no variant always meets a warmer or busier machine.
    const flip = <T>(list: T[]) => (round % 2 === 0 ? list : [...list].reverse());
    for (const resolution of flip(RESOLUTIONS)) {
      for (const variant of flip(VARIANTS)) {
        const result = await runVariant(variant, resolution, ticks);
        const key = `${resolution.name} ${variant}`;
        results.set(key, [...(results.get(key) ?? []), result]);
        console.error(
          `round ${round + 1} ${key}: ${result.cores.toFixed(3)} cores, ` +
            `speed ${result.speed.toFixed(2)}, busiest thread ${result.busiest.thread} ` +
            `${result.busiest.cores.toFixed(2)}, machine ${result.machine.toFixed(2)}` +
            (result.encoders
              ? `, uplink x264 ${result.encoders.uplink.toFixed(2)}, recording x264 ${
                result.encoders.recording.toFixed(2)
              }`
              : ''),
        );
      }
    }
  }
  const text = report(results);
  console.log(text);
  if (values.write) await writeSection('Collector light encode', text);
}

function report(results: Map<string, Measure[]>): string {
  const of = (resolution: Resolution, variant: Variant) =>
    results.get(`${resolution.name} ${variant}`)!;
  const mid = (resolution: Resolution, variant: Variant, pick: (m: Measure) => number) =>
    median(of(resolution, variant).map(pick));
  const cores = (resolution: Resolution, variant: Variant) =>
    mid(resolution, variant, (m) => m.cores);
  /** CPU seconds per media second: the cores it would take to keep up with live. */
  const perMedia = (resolution: Resolution, variant: Variant) =>
    mid(resolution, variant, (m) => m.cores / m.speed);
  const each = (resolution: Resolution, variant: Variant, pick: (m: Measure) => number) =>
    of(resolution, variant).map((m) => pick(m).toFixed(2)).join(', ');
  /** `median (round 1, round 2, …)`. */
  const cell = (resolution: Resolution, variant: Variant) =>
    `${cores(resolution, variant).toFixed(2)} (${each(resolution, variant, (m) => m.cores)})`;
  const behind = RESOLUTIONS.flatMap((resolution) =>
    VARIANTS.filter((variant) => of(resolution, variant).some((m) => m.speed < 0.95))
      .map((variant) => `${resolution.name} ${variant}`)
  );
  const label: Record<Variant, string> = {
    baseline: 'baseline',
    full: 'full (superfast)',
    ultrafast: 'ultrafast',
  };
  const busiest = (resolution: Resolution, variant: Variant) => {
    const list = of(resolution, variant).map((m) => m.busiest);
    const names = [...new Set(list.map((b) => b.thread))].join(' / ');
    return `${median(list.map((b) => b.cores)).toFixed(2)} ${names}`;
  };
  /** One encoder's threads, median CPU seconds per media second. */
  const encoderMid = (resolution: Resolution, variant: Variant, which: 'uplink' | 'recording') =>
    mid(resolution, variant, (m) => (m.encoders?.[which] ?? NaN) / m.speed);
  const encoder = (resolution: Resolution, variant: Variant, which: 'uplink' | 'recording') =>
    variant === 'baseline' ? '—' : encoderMid(resolution, variant, which).toFixed(2);
  const cpuCount = cpus().length;
  const hd = RESOLUTIONS.find((r) => r.height === 1080)!;
  const sd = RESOLUTIONS.find((r) => r.height === 720)!;
  const lines = [
    `Test pattern (videotestsrc smpte, moving, with the clock and room name burned in; two`,
    `audiotestsrc) at 30 fps, live. **Full** is the pipeline worker forked and started over IPC`,
    `as the daemon does it: conform, uplink x264 zerolatency (2500 kbit/s at 720p, 4000 at`,
    `1080p), recording x264 (8000 / 12000 kbit/s, MPEG-TS files of 10 s), AAC 128 kbit/s, the`,
    `1 fps JPEG preview and levels, in Node with node-gtk. No uplink is connected: the FLV tags`,
    `are pulled and dropped, as on a box with no encoder to push to, so the RTMP send is not`,
    `counted. **Ultrafast** is the same with \`output.preset: ultrafast\`, which the recording`,
    `encoder follows. **Baseline** is gst-launch-1.0 running the worker's own description cut`,
    `after the conform chains — video source → queue → deinterlace → videoconvert → videoscale →`,
    `videorate → I420 caps, and audio source → audioconvert → audioresample → caps → level —`,
    `each into a fakesink (the video through a progressreport, to know its speed): no encoders,`,
    `muxers, preview, Node or node-gtk. Cores are CPU seconds (utime + stime of all threads,`,
    `/proc/<pid>/stat) per wall second over ${seconds} s after ${warmupSeconds} s of warm-up.`,
    `${rounds} rounds, order alternating; cells are median (each round). ${cpuCount} cores`,
    `(${cpus()[0]?.model.trim()}), measured ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| cores | baseline | full (superfast) | ultrafast | full − baseline | full / baseline | ultrafast / full |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...RESOLUTIONS.map((resolution) => {
      const base = cores(resolution, 'baseline');
      const full = cores(resolution, 'full');
      const ultra = cores(resolution, 'ultrafast');
      return `| ${resolution.name} | ${cell(resolution, 'baseline')} | ${
        cell(resolution, 'full')
      } | ${cell(resolution, 'ultrafast')} | ${(full - base).toFixed(2)} | ${
        (full / base).toFixed(2)
      }× | ${(ultra / full).toFixed(2)}× |`;
    }),
    '',
    'Did it keep up with live? Media speed is media seconds per wall second (1.00 = live). CPU',
    'per media second (cores ÷ speed) is what a run would need to keep up: the same as its cores',
    'when it kept up, an extrapolation when it did not. The two x264 columns are the threads of',
    'each encoder (its branch thread and the threads x264 starts from it), per media second. A',
    'busiest thread near 1.00 core is a limit of its own. Machine busy counts every process,',
    'ours included, to show how shared the machine was.',
    '',
    '| run | media speed | CPU s per media s | uplink x264 | recording x264 | busiest thread (cores) | machine busy (cores) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...RESOLUTIONS.flatMap((resolution) =>
      VARIANTS.map((variant) =>
        `| ${resolution.name} ${label[variant]} | ${each(resolution, variant, (m) => m.speed)} | ${
          perMedia(resolution, variant).toFixed(2)
        } | ${encoder(resolution, variant, 'uplink')} | ${
          encoder(resolution, variant, 'recording')
        } | ${busiest(resolution, variant)} | ${
          mid(resolution, variant, (m) => m.machine).toFixed(2)
        } |`
      )
    ),
    '',
    behind.length === 0
      ? 'Every run kept up with live, so the cores above are the costs of running live.'
      : `Fell behind live here: ${behind.join(', ')}. The cores of those runs are what they ` +
        'got on this shared machine, not what they need. Per media second, full − baseline is ' +
        RESOLUTIONS.map((resolution) =>
          `${
            (perMedia(resolution, 'full') - perMedia(resolution, 'baseline')).toFixed(2)
          } at ${resolution.name} (full / baseline ${
            (perMedia(resolution, 'full') / perMedia(resolution, 'baseline')).toFixed(2)
          }×, ultrafast / full ${
            (perMedia(resolution, 'ultrafast') / perMedia(resolution, 'full')).toFixed(2)
          }×)`
        ).join(' and ') + '.',
    '',
    'DESIGN.md measured the 1080p30 x264 light encode alone at 0.10–0.12 cores (ultrafast) or ' +
    '0.17–0.23 (superfast), paced to live. Full − baseline is not that quantity: it holds two ' +
    'x264 encodes (the uplink, and the recording at about three times its bitrate without ' +
    'zerolatency), AAC, the FLV and MPEG-TS muxers with their file writes, the JPEG preview and ' +
    `the Node side of the worker: ${
      (perMedia(hd, 'full') - perMedia(hd, 'baseline')).toFixed(2)
    } (superfast) and ${
      (perMedia(hd, 'ultrafast') - perMedia(hd, 'baseline')).toFixed(2)
    } (ultrafast) CPU s per media s at 1080p. The closest to DESIGN.md's figure is the uplink ` +
    `encoder's own threads: ${encoder(hd, 'full', 'uplink')} (superfast) and ${
      encoder(hd, 'ultrafast', 'uplink')
    } (ultrafast) at 1080p, ${encoder(sd, 'full', 'uplink')} and ${
      encoder(sd, 'ultrafast', 'uplink')
    } at 720p. ${
      encoderMid(hd, 'full', 'uplink') > 0.23
        ? "That is above DESIGN.md's range: what was encoded here is this moving, text-laden " +
          "test pattern at 4000 kbit/s, by GStreamer's x264enc on this machine" +
          (behind.includes(`${hd.name} full`) ? ', extrapolated where it fell behind' : '') +
          '. DESIGN.md does not say which input or bitrate it used, so take its range as ' +
          'optimistic until measured on real input.'
        : "That is within or below DESIGN.md's range."
    }`,
    '',
    `For a venue box: live 1080p30 takes about ${perMedia(hd, 'full').toFixed(1)} cores of ` +
    `this machine with the default superfast and ${perMedia(hd, 'ultrafast').toFixed(1)} with ` +
    `ultrafast; 720p30 takes ${perMedia(sd, 'full').toFixed(1)} and ${
      perMedia(sd, 'ultrafast').toFixed(1)
    }. ${
      perMedia(hd, 'full') > cpuCount * 0.9
        ? `That is more than this ${cpuCount}-core machine has at 1080p, so there the worker ` +
          'falls behind live, recording and uplink alike. '
        : ''
    }On a 4-core NUC with cores like these, 1080p30 superfast would use about ${
      (perMedia(hd, 'full') / 4 * 100).toFixed(0)
    } % of the box and 720p30 ${(perMedia(sd, 'full') / 4 * 100).toFixed(0)} %, leaving room ` +
    'for the daemon, the status page and the disk. Part of that is the test pattern itself: ' +
    'its source already makes I420 at the output size, so the conform elements pass through, ' +
    'and the baseline is mostly videotestsrc with two text overlays drawn on one thread ' +
    `(${busiest(hd, 'baseline')} at 1080p). A capture card skips that drawing but may add ` +
    'deinterlacing (1080i) and colour conversion, and real footage costs x264 more than moving ' +
    'bars, so measure on the box with its own input before an event. Ultrafast is the lever ' +
    'when the box is short of CPU; it costs quality per bit on both the uplink and the recording.',
  ];
  return lines.join('\n');
}

await main();
