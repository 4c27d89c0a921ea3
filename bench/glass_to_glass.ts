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
// Env: SECONDS (sampling window per setting, default 30), WARMUP (s of playing before
// sampling, default 8), ROUNDS (default 1; settings alternate between rounds).
import { rm } from 'node:fs/promises';
import { launchChromium } from '../core/testing/chromium.ts';
import { demoRoomLive, prepareDemo, startDemo, waitFor } from '../e2e/support/demo.ts';
import { percentile, sampleFrameAges } from '../e2e/support/latency.ts';
import { writeSection } from './report.ts';

interface Setting {
  name: string;
  segmentSeconds: number;
  query: string;
}

const SETTINGS: Setting[] = [
  { name: 'default', segmentSeconds: 2, query: '' },
  { name: '1s', segmentSeconds: 1, query: '' },
  { name: '1s+low', segmentSeconds: 1, query: '?latency=low' },
];
const SECONDS = Number(process.env.SECONDS ?? 30);
const WARMUP = Number(process.env.WARMUP ?? 8);
const ROUNDS = Number(process.env.ROUNDS ?? 1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Latency samples (ms), one every 250 ms over SECONDS of playing. */
async function measure(setting: Setting): Promise<number[]> {
  const setup = await prepareDemo({
    ROOMCAST_ENCODER_HLS_SEGMENT_SECONDS: String(setting.segmentSeconds),
    ROOMCAST_COLLECTOR_OUTPUT_GOP_SECONDS: String(setting.segmentSeconds),
  });
  const demo = await startDemo(setup);
  const browser = await launchChromium();
  try {
    await demoRoomLive(setup, demo);
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
    return samples;
  } finally {
    await browser.close();
    await demo.stop();
    await rm(setup.dir, { recursive: true, force: true });
  }
}

const results = new Map<string, number[]>(SETTINGS.map((s) => [s.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 ? [...SETTINGS].reverse() : SETTINGS;
  for (const setting of order) {
    const samples = await measure(setting);
    results.get(setting.name)!.push(...samples);
    console.log(`${setting.name}: ${samples.length} samples`);
  }
}

const rows = SETTINGS.map((setting) => {
  const samples = results.get(setting.name)!;
  return {
    setting,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    n: samples.length,
  };
});
const baseline = rows[0]!;
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const table = [
  '| setting | segments | hls.js | p50 | p95 | p50 vs default | samples |',
  '|---|---|---|---|---|---|---|',
  ...rows.map((row) =>
    `| ${row.setting.name} | ${row.setting.segmentSeconds} s | ${
      row.setting.query ? 'low-latency' : 'defaults'
    } | ${seconds(row.p50)} s | ${seconds(row.p95)} s | ${
      (row.p50 / baseline.p50).toFixed(2)
    }× | ${row.n} |`
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
      '',
      table,
    ].join('\n'),
  );
}
