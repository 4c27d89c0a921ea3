// The collector for real, on loopback: a `roomcast collector` process (its pipeline worker
// runs GStreamer through node-gtk) on the test source, pushing through a fault-injection
// TCP proxy to a real `roomcast encoder` (nginx-rtmp + ffmpeg), registered with a real
// `roomcast edge`. In order, as a day at a venue would go: the room goes live and HLS comes
// out; the crew's page renders in Chromium; the pipeline worker is killed; the network
// is cut and frozen seven times; and at the end the local recording is checked against
// the wall clock, frame by frame.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { launchChromium } from '../core/testing/chromium.ts';
import { type FaultProxy, startFaultProxy } from '../core/testing/fault_proxy.ts';
import { checkContinuity, readMediaTimeline } from '../core/testing/media_timeline.ts';
import { freePort, NODE_PROCESS_START_MS } from '../core/testing/net.ts';
import { type RunningProcess, startProcess } from '../core/testing/process.ts';
import type { CollectorStatus } from '../appliance/collector/status.ts';
import { parseMediaPlaylist, programDateTimeMs } from '../appliance/encoder/hls/playlist_parse.ts';
import { ROOMCAST, sleep, type Stack, startStack } from './support/stack.ts';
import { collectorEnv, LIGHT_LADDER } from './support/collector.ts';
import { oneMediaFileAtATime } from './support/media_lock.ts';

const run = promisify(execFile);
const ROOM = 'hall';
const FPS = 30;

let stack: Stack;
let proxy: FaultProxy;
let collector: RunningProcess;
let statusUrl: string;
let streamKey: string;
let recordingDir: string;

/** Every status answer read, for the key canary at the end. */
const statusAnswers: string[] = [];

async function status(): Promise<CollectorStatus> {
  const response = await fetch(`${statusUrl}/api/status`);
  assert.equal(response.status, 200, 'the status page answers');
  const text = await response.text();
  if (statusAnswers.length < 2000) statusAnswers.push(text);
  return JSON.parse(text) as CollectorStatus;
}

async function hlsSegments(tokenQuery: string): Promise<string[]> {
  const response = await fetch(
    `http://127.0.0.1:${stack.ports.http}/hls/${ROOM}/source/index.m3u8?${tokenQuery}`,
  );
  if (response.status !== 200) return [];
  return (await response.text()).split('\n').filter((line) => line && !line.startsWith('#'));
}

interface DatedSegment {
  rendition: string;
  uri: string;
  /** The public playlist's EXT-X-PROGRAM-DATE-TIME (ms). */
  publicMs: number;
  /** What ffmpeg wrote for the same segment in its private playlist (ms). */
  ffmpegMs: number;
  durationMs: number;
  /** When a poll first saw it listed (it appeared at most one poll before). */
  seenAtMs: number;
}

/**
 * Watches the public playlist of `rendition` (through nginx, as a player, every 25 ms)
 * until `count` segments appeared while watched; for each, the date ffmpeg wrote in its
 * private playlist.
 */
async function watchDates(
  rendition: string,
  tokenQuery: string,
  count: number,
): Promise<DatedSegment[]> {
  const url =
    `http://127.0.0.1:${stack.ports.http}/hls/${ROOM}/${rendition}/index.m3u8?${tokenQuery}`;
  let seen: Set<string> | null = null;
  const dated: DatedSegment[] = [];
  const deadline = Date.now() + 40_000;
  while (dated.length < count) {
    assert.ok(Date.now() < deadline, `${count} new segments of ${rendition}`);
    const response = await fetch(url);
    const text = response.status === 200 ? await response.text() : '#EXTM3U\n';
    const seenAtMs = Date.now();
    const segments = parseMediaPlaylist(text).segments;
    if (seen) {
      for (const segment of segments.filter((s) => !seen!.has(s.uri))) {
        const runId = segment.uri.replace(/-\d+\.m4s$/, '');
        const own = parseMediaPlaylist(
          await readFile(join(stack.dir, 'encoder/hls', ROOM, rendition, `${runId}.m3u8`), 'utf8'),
        ).segments.find((s) => s.uri === segment.uri);
        assert.ok(own?.programDateTime, `ffmpeg's date of ${segment.uri}`);
        dated.push({
          rendition,
          uri: segment.uri,
          publicMs: programDateTimeMs(segment.programDateTime!)!,
          ffmpegMs: programDateTimeMs(own.programDateTime)!,
          durationMs: segment.duration * 1000,
          seenAtMs,
        });
      }
    }
    seen = new Set(segments.map((s) => s.uri));
    await sleep(25);
  }
  return dated.slice(0, count);
}

/**
 * EXT-X-PROGRAM-DATE-TIME is when the collector captured the segment's first frame: never
 * later than the segment could have been published (it is complete only once the next
 * frame arrived), before ffmpeg's own stamp by a plausible delay, and after the capture
 * session began. Returns the run checked and figures for the log.
 */
async function checkCaptureDates(tokenQuery: string): Promise<{ runs: string[]; figures: string }> {
  const session = await status();
  const sessionStart = Date.parse(session.recording.startedAt!);
  const dated = [
    ...await watchDates('source', tokenQuery, 3),
    ...await watchDates('audio', tokenQuery, 2),
  ];
  const lines: string[] = [];
  for (const segment of dated) {
    const ffmpegLaterMs = segment.ffmpegMs - segment.publicMs;
    const seenAfterEndMs = segment.seenAtMs - (segment.publicMs + segment.durationMs);
    lines.push(
      `${segment.rendition}/${segment.uri}: ffmpeg's date ${ffmpegLaterMs} ms later; seen ` +
        `listed ${seenAfterEndMs.toFixed(0)} ms after its end`,
    );
    // Had the agent kept ffmpeg's clock, the two would be equal. The least real delay is
    // the collector's own (its AAC frames hold flvmux back ~20 ms) plus the trip to ffmpeg.
    assert.ok(
      ffmpegLaterMs >= 20 && ffmpegLaterMs <= 5000,
      `${segment.uri}: ffmpeg's date is ${ffmpegLaterMs} ms after the public one`,
    );
    // A segment is complete only once the frame after it arrived: a date that makes it
    // end after it was already listed is not its capture time.
    assert.ok(
      seenAfterEndMs >= 0,
      `${segment.uri} ends ${-seenAfterEndMs} ms after it was seen listed`,
    );
    assert.ok(segment.publicMs >= sessionStart, `${segment.uri} dated before the capture began`);
  }
  // The clock itself: the agent logs the wall-clock time of FLV timestamp 0 it read from
  // the stream; flvmux counts from its first buffer, a few ms into the capture session,
  // and the worker takes that out, so it is the session's running time 0 to within a few ms.
  const runs = [...new Set(dated.map((d) => d.uri.replace(/-\d+\.m4s$/, '')))];
  for (const run of runs) {
    const line = stack.encoder.output().split('\n').find((l) =>
      l.includes("follow the publisher's capture clock") && l.includes(`run=${run} `)
    );
    const epoch = Date.parse(/captureEpoch=(\S+)/.exec(line ?? '')?.[1] ?? '');
    assert.ok(
      Math.abs(epoch - sessionStart) <= 50,
      `${run}: capture epoch ${epoch - sessionStart} ms from the session's start (${line})`,
    );
    lines.push(`${run}: capture epoch ${epoch - sessionStart} ms after the session's start`);
  }
  // One shift per run and rendition: ffmpeg's spacing is kept.
  for (const rendition of ['source', 'audio']) {
    const shifts = new Map<string, number[]>();
    for (const segment of dated.filter((d) => d.rendition === rendition)) {
      const run = segment.uri.replace(/-\d+\.m4s$/, '');
      shifts.set(run, [...(shifts.get(run) ?? []), segment.ffmpegMs - segment.publicMs]);
    }
    for (const [run, values] of shifts) {
      assert.ok(Math.max(...values) - Math.min(...values) <= 2, `${rendition} ${run}: ${values}`);
    }
  }
  return { runs, figures: lines.join('\n# ') };
}

let firstDatedRuns: string[] = [];

oneMediaFileAtATime();

before(async () => {
  // The proxy stands where the network would be; the encoder tells collectors to push
  // to it rather than to nginx directly.
  const rtmpPort = await freePort();
  proxy = await startFaultProxy({ targetHost: '127.0.0.1', targetPort: rtmpPort });
  stack = await startStack({
    name: 'collector-e2e',
    encoderEnv: {
      ROOMCAST_ENCODER_RTMP_PORT: String(rtmpPort),
      ROOMCAST_ENCODER_RTMP_PUBLIC_PORT: String(proxy.port),
    },
    diagnostics: () => `--- collector output ---\n${collector?.output().slice(-4000)}`,
  });
  await stack.apiJson('POST', '/events', { id: 'conf', title: 'Conference' });
  const room = await stack.apiJson('POST', '/rooms', {
    id: ROOM,
    title: 'Main hall',
    eventId: 'conf',
    ladder: LIGHT_LADDER,
  });
  streamKey = room.streamKey.key;
  const { secret } = await stack.apiJson('POST', '/nodes', {
    id: 'collector-1',
    kind: 'collector',
  });
  recordingDir = join(stack.dir, 'recordings');
  const statusPort = await freePort();
  statusUrl = `http://127.0.0.1:${statusPort}`;
  collector = startProcess(process.execPath, [ROOMCAST, 'collector'], {
    cwd: stack.dir,
    env: {
      ...collectorEnv(stack, {
        nodeId: 'collector-1',
        nodeSecret: secret,
        room: ROOM,
        statusPort,
        recordingDir,
      }),
      ROOMCAST_COLLECTOR_STREAM_KEY: streamKey,
      ROOMCAST_COLLECTOR_RECORDING_SEGMENT_SECONDS: '4',
      ROOMCAST_COLLECTOR_RECORDING_VIDEO_KBPS: '1500',
    },
  });
  await collector.whenReady(
    stack.waitFor(
      'the collector to go live',
      async () => (await status()).onAir,
      NODE_PROCESS_START_MS,
    ),
  );
});

after(async () => {
  await collector?.stop(5000);
  await proxy?.close();
  await stack?.stop();
});

test('the test source reaches the encoder: HLS segments that ffprobe reads, status at the edge', async () => {
  const { tokenQuery } = await stack.waitFor(
    'a playback grant',
    () => stack.apiJson('POST', `/public/rooms/${ROOM}/playback`, {}),
  );
  const segments = await stack.waitFor('three HLS segments', async () => {
    const found = await hlsSegments(tokenQuery);
    return found.length >= 3 ? found : null;
  }, 40_000);
  const playlist = await (await fetch(
    `http://127.0.0.1:${stack.ports.http}/hls/${ROOM}/source/index.m3u8?${tokenQuery}`,
  )).text();
  const init = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)![1]!;
  // As a native player (Safari) does: the URIs as nginx wrote them, token included.
  const parts = await Promise.all([init, ...segments.slice(-2)].map(async (uri) => {
    assert.ok(uri.endsWith(`?${tokenQuery}`), `${uri} carries the token`);
    const response = await fetch(
      `http://127.0.0.1:${stack.ports.http}/hls/${ROOM}/source/${uri}`,
    );
    assert.equal(response.status, 200, uri);
    return new Uint8Array(await response.arrayBuffer());
  }));
  const file = join(stack.dir, 'source.mp4');
  await writeFile(file, Buffer.concat(parts));
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file]);
  const streams = JSON.parse(stdout).streams as Array<Record<string, unknown>>;
  const video = streams.find((s) => s.codec_type === 'video');
  assert.equal(video?.codec_name, 'h264');
  assert.equal(`${video?.width}x${video?.height}`, '640x360');
  // The picture passes through alone; the tone is in the room's one audio rendition.
  assert.equal(streams.some((s) => s.codec_type === 'audio'), false);
  const audioPlaylist = await (await fetch(
    `http://127.0.0.1:${stack.ports.http}/hls/${ROOM}/audio/index.m3u8?${tokenQuery}`,
  )).text();
  const audioInit = /#EXT-X-MAP:URI="([^"?]+)/.exec(audioPlaylist)![1]!;
  const { stdout: audioProbe } = await run('ffprobe', [
    ...['-v', 'error', '-show_streams', '-of', 'json'],
    join(stack.dir, 'encoder/hls', ROOM, 'audio', audioInit),
  ]);
  assert.deepEqual(
    JSON.parse(audioProbe).streams.map((s: { codec_name: string }) => s.codec_name),
    ['aac'],
  );

  const now = await status();
  assert.equal(now.state, 'live');
  assert.equal(now.input.present, true);
  assert.equal(now.input.format, 'test pattern 640x360 30p');
  assert.equal(now.audio.levels.length, 2, 'two channel meters');
  assert.ok(now.audio.levels.every((l) => l.rmsDb > -40 && l.rmsDb < 0), 'the tone is heard');
  assert.equal(now.recording.active, true);
  assert.ok(now.uplink.bitrateKbps > 200, `uplink ${now.uplink.bitrateKbps} kbit/s`);
  assert.equal(now.uplink.encoderNodeId, 'encoder-1');
  assert.equal(now.uplink.target, `127.0.0.1:${proxy.port}`);
  const preview = await fetch(`${statusUrl}/preview.jpg`);
  assert.equal(preview.headers.get('content-type'), 'image/jpeg');
  assert.deepEqual([...new Uint8Array(await preview.arrayBuffer()).slice(0, 2)], [0xff, 0xd8]);

  // The same state reached the edge in the heartbeat, preview included.
  const report = await stack.waitFor('the collector report at the edge', async () => {
    const response = await stack.api('GET', `/rooms/${ROOM}/collector`);
    const body = response.ok ? await response.json() : null;
    return body?.state === 'live' && body.previewJpegBase64 ? body : null;
  });
  assert.equal(report.nodeId, 'collector-1');
  assert.equal(report.input.format, 'test pattern 640x360 30p');
  assert.equal(report.levels.length, 2);
  assert.equal(report.uplink.state, 'live');
  assert.equal(Buffer.from(report.previewJpegBase64, 'base64')[0], 0xff);
});

test("program date times are the collector's capture times, not ffmpeg's clock", async () => {
  const { tokenQuery } = await stack.apiJson('POST', `/public/rooms/${ROOM}/playback`, {});
  const { runs, figures } = await checkCaptureDates(tokenQuery);
  firstDatedRuns = runs;
  console.log(`# capture dates:\n# ${figures}`);
  assert.match(
    stack.encoder.output(),
    /program date times follow the publisher's capture clock/,
    'the agent says whose clock the dates follow',
  );
});

test('the status page renders in Chromium: ON AIR, moving meters, a preview frame', async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(statusUrl);
    await page.getByText('ON AIR', { exact: true }).first().waitFor({ timeout: 10_000 });
    const meters = page.locator('[role="meter"]');
    await meters.first().waitFor();
    assert.equal(await meters.count(), 2, 'one meter per channel');
    // The beep every second moves the meters; read them 8 times over 1.6 s.
    const reads = new Set<string>();
    for (let i = 0; i < 8; i += 1) {
      reads.add(
        (await meters.evaluateAll((all) => all.map((m) => m.getAttribute('data-rms-db')))).join(),
      );
      await sleep(200);
    }
    assert.ok(reads.size >= 2, `meters moved: ${[...reads].join(' | ')}`);
    const previewWidth = await page.waitForFunction(
      () => {
        const img = document.querySelector<HTMLImageElement>('img[src^="/preview.jpg"]');
        return img && img.complete && img.naturalWidth > 0 ? img.naturalWidth : false;
      },
      undefined,
      { timeout: 10_000 },
    );
    assert.equal(await previewWidth.jsonValue(), 320);
    const text = await page.textContent('body');
    assert.match(text ?? '', /test pattern 640x360 30p/);
    if (process.env.DOCS_SCREENSHOT_DIR) {
      await page.screenshot({
        path: join(process.env.DOCS_SCREENSHOT_DIR, 'collector-status-page.png'),
        fullPage: true,
      });
    }
  } finally {
    await browser.close();
  }
});

test('killing the pipeline worker: the daemon restarts it, the status page stays up', async () => {
  const before = await status();
  assert.ok(before.worker.pid, 'a worker pid');
  process.kill(before.worker.pid!, 'SIGKILL');
  // Every read of the page during the restart must succeed (status() asserts 200).
  const seen = new Set<string>();
  const back = await stack.waitFor('a new worker, live again', async () => {
    const now = await status();
    seen.add(now.worker.state);
    return now.worker.pid !== before.worker.pid && now.onAir ? now : null;
  }, 30_000);
  assert.ok(seen.has('restarting'), `the page showed the restart (${[...seen].join(', ')})`);
  assert.equal(back.worker.restarts, before.worker.restarts + 1);
  assert.match(back.worker.lastError ?? '', /SIGKILL/);
  assert.equal(back.recording.active, true);
  assert.notEqual(back.recording.startedAt, before.recording.startedAt, 'a new recording session');

  // The killed session's last file is still a playable recording.
  const files = (await readdir(join(recordingDir, ROOM))).sort();
  const stamp = (name: string) => name.split('-').slice(0, -1).join('-');
  const killedSession = files.filter((f) => stamp(f) !== stamp(files.at(-1)!));
  assert.ok(killedSession.length >= 1, `files of the killed session: ${files.join(', ')}`);
  const [last] = await readMediaTimeline([join(recordingDir, ROOM, killedSession.at(-1)!)]);
  assert.ok(last!.video.frames > 0, 'frames survive a kill -9');
});

test('seven cuts (resets and silent freezes of 2-8 s): the uplink is back within 2 s of the network each time', async () => {
  // A freeze shorter than the stall check (a window unacknowledged for 2 s) is absorbed
  // by TCP: the stream resumes on the same connection, which is just as good for viewers.
  const cuts = [
    { kind: 'reset', ms: 3000 },
    { kind: 'freeze', ms: 4000 },
    { kind: 'reset', ms: 2000 },
    { kind: 'freeze', ms: 8000 },
    { kind: 'reset', ms: 6000 },
    { kind: 'freeze', ms: 3500 },
    { kind: 'freeze', ms: 2000 },
  ] as const;
  const figures: string[] = [];
  for (const cut of cuts) {
    // Steady first: live for a while on the same connection.
    await stack.waitFor('a steady uplink', async () => (await status()).onAir, 30_000);
    await sleep(2000);
    const before = await status();
    const cutAt = Date.now();
    if (cut.kind === 'reset') proxy.reset(cut.ms);
    else proxy.freeze(cut.ms);
    const backAt = cutAt + cut.ms;
    const mustNotice = cut.kind === 'reset' || cut.ms >= 3500;
    let noticedMs: number | null = null;
    while (Date.now() < backAt + (mustNotice ? 3000 : 1000)) {
      const now = await status();
      if (now.uplink.lastFailureAt !== before.uplink.lastFailureAt) {
        noticedMs = Date.parse(now.uplink.lastFailureAt!) - cutAt;
        break;
      }
      await sleep(100);
    }
    if (mustNotice) assert.ok(noticedMs !== null, `${cut.kind} ${cut.ms} ms was noticed`);
    await sleep(Math.max(0, backAt - Date.now()));
    const live = await stack.waitFor('the uplink back', async () => {
      const now = await status();
      const reconnected = now.uplink.reconnects > before.uplink.reconnects;
      return now.onAir && (reconnected || noticedMs === null) ? now : null;
    }, 15_000);
    const liveAfterMs = Date.now() - backAt;
    figures.push(
      `${cut.kind} ${cut.ms} ms: ` + (noticedMs === null
        ? `absorbed without a reconnect, on air ${liveAfterMs} ms after the network`
        : `noticed after ${noticedMs} ms, live ${liveAfterMs} ms after the network`) +
        ` (reconnects ${live.uplink.reconnects})`,
    );
    assert.ok(
      liveAfterMs <= 2000,
      `${cut.kind} ${cut.ms} ms: live ${liveAfterMs} ms after the network`,
    );
    assert.equal(live.recording.active, true, 'recording never stopped');
  }
  console.log(`# uplink cuts:\n# ${figures.join('\n# ')}`);
  // The encoder took the stream again after the last cut: new HLS segments.
  const { tokenQuery } = await stack.apiJson('POST', `/public/rooms/${ROOM}/playback`, {});
  const seen = await hlsSegments(tokenQuery);
  await stack.waitFor('new HLS segments after the cuts', async () => {
    const now = await hlsSegments(tokenQuery);
    return now.some((s) => !seen.includes(s));
  }, 20_000);
});

test("after the reconnects, a new run is dated by the new connection's capture clock", async () => {
  const { tokenQuery } = await stack.apiJson('POST', `/public/rooms/${ROOM}/playback`, {});
  const { runs, figures } = await checkCaptureDates(tokenQuery);
  console.log(`# capture dates after the reconnects:\n# ${figures}`);
  for (const run of runs) assert.ok(!firstDatedRuns.includes(run), `${run} is a later run`);
});

test('the recording of the session has no gap and lasts as long as the wall clock', async () => {
  const session = await status();
  const startedAt = Date.parse(session.recording.startedAt!);
  // SIGTERM: the worker ends the stream cleanly, so the last file holds every frame up
  // to this moment.
  const stoppedAt = Date.now();
  await collector.stop(10_000);
  const all = (await readdir(join(recordingDir, ROOM))).sort();
  const current = all.filter((f) =>
    f.startsWith(session.recording.currentFile!.replace(/-\d+\.ts$/, ''))
  );
  assert.ok(current.length >= 5, `segments of the session: ${current.join(', ')}`);
  const timeline = await readMediaTimeline(current.map((f) => join(recordingDir, ROOM, f)));
  const { totalSeconds, gaps } = checkContinuity(timeline, { frameSeconds: 1 / FPS });
  assert.deepEqual(gaps, [], 'no timestamp gap within or between files');
  const wallSeconds = (stoppedAt - startedAt) / 1000;
  // A frame per file boundary, plus a little for the signal to reach the worker.
  const tolerance = current.length / FPS + 0.2;
  console.log(
    `# recording: ${totalSeconds.toFixed(2)} s in ${current.length} files, wall ${
      wallSeconds.toFixed(2)
    } s`,
  );
  assert.ok(
    Math.abs(totalSeconds - wallSeconds) <= tolerance,
    `recorded ${totalSeconds.toFixed(2)} s for ${wallSeconds.toFixed(2)} s of wall time`,
  );
  for (const segment of timeline) {
    assert.equal(`${segment.video.width}x${segment.video.height}`, '640x360');
    assert.equal(segment.audio?.codec, 'aac');
  }
});

test('the stream key appears in no log, argv, file name or status answer', async () => {
  const outputs = [collector.output(), stack.encoder.output(), stack.edge.output()];
  for (const [i, text] of outputs.entries()) {
    assert.ok(!text.includes(streamKey), `output ${i} holds the key`);
  }
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    assert.ok(!cmdline.includes(streamKey), `process ${entry}'s argv holds the key`);
  }
  const files = await readdir(recordingDir, { recursive: true });
  assert.ok(!files.some((f) => String(f).includes(streamKey)), 'a recording file name');
  assert.ok(statusAnswers.length > 10);
  assert.ok(!statusAnswers.some((text) => text.includes(streamKey)), 'a status answer');
});
