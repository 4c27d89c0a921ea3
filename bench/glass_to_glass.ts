// Glass-to-glass latency of the whole chain as a viewer sees it: the demo (collector on the
// test source → encoder → edge) and a Chromium on the watch page. The collector stamps its
// capture wall-clock into EXT-X-PROGRAM-DATE-TIME, so `Date.now() − hls.playingDate` is the
// age of the frame on screen: capture, encode, uplink, ladder, segmenting and the player's
// buffer. Everything runs on this machine, so both ends read the same clock.
//
//   node --import tsx bench/glass_to_glass.ts [--write]
//
// Settings compared in one run (the first is the baseline the others are a ratio of):
//   default   2 s segments and keyframes, hls.js defaults (3 target durations behind live)
//   1s        1 s segments and keyframes, hls.js defaults
//   1s+low    1 s segments, the page's `?latency=low` hls.js tuning
//   ll        2 s segments, LL-HLS (encoder.hls.lowLatency: 0.2 s parts, blocking reload)
// Each also measures how long after the room went live (the publish) the first media can be
// played: the master playlist is out and a rendition lists a part (LL) or a segment.
// Env: SECONDS (sampling window per setting, default 30), WARMUP (s of playing before
// sampling, default 8), ROUNDS (default 1; settings alternate between rounds), ONLY (names
// of settings to run, comma-separated, when trying one out; --write needs them all).
import { rm } from 'node:fs/promises';
import { launchChromium } from '../core/testing/chromium.ts';
import {
  demoRoomLive,
  type DemoSetup,
  prepareDemo,
  startDemo,
  waitFor,
} from '../e2e/support/demo.ts';
import type { RunningProcess } from '../core/testing/process.ts';
import { percentile, sampleFrameAges } from '../e2e/support/latency.ts';
import { writeSection } from './report.ts';

interface Setting {
  name: string;
  segmentSeconds: number;
  query: string;
  lowLatency: boolean;
}

const ALL_SETTINGS: Setting[] = [
  { name: 'default', segmentSeconds: 2, query: '', lowLatency: false },
  { name: '1s', segmentSeconds: 1, query: '', lowLatency: false },
  { name: '1s+low', segmentSeconds: 1, query: '?latency=low', lowLatency: false },
  { name: 'll', segmentSeconds: 2, query: '', lowLatency: true },
];
const ONLY = process.env.ONLY?.split(',');
const SETTINGS = ALL_SETTINGS.filter((setting) => !ONLY || ONLY.includes(setting.name));
if (!SETTINGS.length) throw new Error(`ONLY names none of ${ALL_SETTINGS.map((s) => s.name)}`);
if (ONLY && process.argv.includes('--write')) throw new Error('--write needs every setting');
const SECONDS = Number(process.env.SECONDS ?? 30);
const WARMUP = Number(process.env.WARMUP ?? 8);
const ROUNDS = Number(process.env.ROUNDS ?? 1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * From now (the room just went live) until a player could start: the master playlist is out
 * and its first rendition lists a part (LL-HLS) or a segment. Polled every 50 ms.
 */
async function untilPlayable(setup: DemoSetup, run: RunningProcess): Promise<number> {
  const from = Date.now();
  const grant = await waitFor('a playback grant', run, async () => {
    const response = await fetch(`${setup.edgeUrl}/api/v1/public/rooms/demo/playback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    return response.ok ? await response.json() : null;
  });
  await waitFor('playable media', run, async () => {
    const master = await fetch(grant.url);
    if (!master.ok) return false;
    const first = (await master.text()).split('\n').find((line) => line && !line.startsWith('#'));
    const media = first && await (await fetch(new URL(first, grant.url))).text();
    return Boolean(media && /^(#EXT-X-PART:|#EXTINF:)/m.test(media));
  }, 40_000);
  return Date.now() - from;
}

/** Latency samples (ms), one every 250 ms over SECONDS of playing; time to playable media. */
async function measure(setting: Setting): Promise<{ samples: number[]; playableMs: number }> {
  const setup = await prepareDemo({
    ROOMCAST_ENCODER_HLS_SEGMENT_SECONDS: String(setting.segmentSeconds),
    ROOMCAST_COLLECTOR_OUTPUT_GOP_SECONDS: String(setting.segmentSeconds),
    ROOMCAST_ENCODER_HLS_LOW_LATENCY: String(setting.lowLatency),
  });
  const demo = await startDemo(setup);
  const browser = await launchChromium();
  try {
    await demoRoomLive(setup, demo);
    const playableMs = await untilPlayable(setup, demo);
    const page = await browser.newPage();
    await page.goto(`${setup.edgeUrl}/watch/demo${setting.query}`);
    await waitFor(
      'playing',
      demo,
      async () => (await page.locator('[data-player]').getAttribute('data-state')) === 'playing',
    );
    await sleep(WARMUP * 1000);
    const samples = await sampleFrameAges(page, SECONDS);
    if (samples.length < SECONDS * 2) {
      throw new Error(`${setting.name}: only ${samples.length} samples (no playing date?)`);
    }
    return { samples, playableMs };
  } finally {
    await browser.close();
    await demo.stop();
    await rm(setup.dir, { recursive: true, force: true });
  }
}

const results = new Map<string, number[]>(SETTINGS.map((s) => [s.name, []]));
const playable = new Map<string, number[]>(SETTINGS.map((s) => [s.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 ? [...SETTINGS].reverse() : SETTINGS;
  for (const setting of order) {
    const { samples, playableMs } = await measure(setting);
    results.get(setting.name)!.push(...samples);
    playable.get(setting.name)!.push(playableMs);
    console.log(`${setting.name}: ${samples.length} samples, playable after ${playableMs} ms`);
  }
}

const rows = SETTINGS.map((setting) => {
  const samples = results.get(setting.name)!;
  return {
    setting,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    playable: percentile(playable.get(setting.name)!, 50),
    n: samples.length,
  };
});
const baseline = rows[0]!;
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const table = [
  '| setting | segments | playlists | hls.js | p50 | p95 | p50 vs default | publish → playable | samples |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows.map((row) =>
    `| ${row.setting.name} | ${row.setting.segmentSeconds} s | ${
      row.setting.lowLatency ? 'LL-HLS, 0.2 s parts' : 'standard'
    } | ${row.setting.query ? 'low-latency' : 'defaults'} | ${seconds(row.p50)} s | ${
      seconds(row.p95)
    } s | ${(row.p50 / baseline.p50).toFixed(2)}× | ${seconds(row.playable)} s | ${row.n} |`
  ),
].join('\n');
console.log(table);

if (process.argv.includes('--write')) {
  await writeSection(
    'Glass-to-glass latency',
    [
      '`node --import tsx bench/glass_to_glass.ts --write`: the demo (collector on the test source at',
      '640x360, encoder ladder source + 360p + audio, edge) and headless Chromium on the watch page,',
      `all on this machine. Every 250 ms for ${SECONDS} s (after ${WARMUP} s of playing) the page`,
      "reads `Date.now() − hls.playingDate`; the playlists' PROGRAM-DATE-TIME is the collector's",
      `capture clock, so this is the age of the frame on screen. ${ROUNDS} round(s), settings`,
      'alternating; ratios are against the default setting measured in the same run.',
      'Within one playback the age hardly moves (hls.js keeps its distance to the live edge);',
      'the spread comes from where in a segment each playback began, so p95 needs several rounds.',
      '"publish → playable": from the edge seeing the room live until the master playlist is out',
      'and its first rendition lists a part (LL-HLS) or a segment (median of the rounds).',
      '',
      table,
    ].join('\n'),
  );
}
