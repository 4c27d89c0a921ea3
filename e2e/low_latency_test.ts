// Low-latency HLS for real: `roomcast demo` (edge, encoder with nginx-rtmp and ffmpeg, a
// test-pattern collector that stamps its capture clock) with the event's switch on
// (encoder.hls.lowLatency), and Chromium on the watch page. The playlists have parts cut
// by the agent from ffmpeg's fragmented MP4, nginx checks the token and hands the playlist
// request to the agent, a blocking reload waits for the part it asks for, a mutated one is
// a 400 at once, and hls.js plays under 2 s behind the camera.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../core/testing/chromium.ts';
import type { RunningProcess } from '../core/testing/process.ts';
import { demoRoomLive, type DemoSetup, prepareDemo, startDemo, waitFor } from './support/demo.ts';
import { percentile, sampleFrameAges } from './support/latency.ts';
import { oneMediaFileAtATime } from './support/media_lock.ts';
import { sleep } from './support/stack.ts';

let setup: DemoSetup;
let demo: RunningProcess;
let browser: Browser;
// deno-lint-ignore no-explicit-any
let grant: any;

oneMediaFileAtATime();

before(async () => {
  setup = await prepareDemo({ ROOMCAST_ENCODER_HLS_LOW_LATENCY: 'true' });
  demo = await startDemo(setup);
  await demoRoomLive(setup, demo);
  browser = await launchChromium();
  const response = await fetch(`${setup.edgeUrl}/api/v1/public/rooms/demo/playback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(response.status, 200);
  grant = await response.json();
  await waitFor('the master playlist', demo, async () => (await fetch(grant.url)).ok, 30_000);
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  await rm(setup.dir, { recursive: true, force: true });
});

/** A URL beside the master playlist, with the grant's token. */
const beside = (path: string) =>
  `${new URL(path, grant.url).href.split('?')[0]}?${grant.tokenQuery}`;

interface LlPlaylist {
  text: string;
  lastSequence: number;
  /** Parts of the segment being made (after the last EXTINF). */
  pendingParts: string[];
  /** Segment URI → its listed parts. */
  partsOf: Map<string, string[]>;
}

function parseLl(text: string): LlPlaylist {
  const sequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? NaN);
  let segments = 0;
  let parts: string[] = [];
  const partsOf = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const part = /^#EXT-X-PART:.*URI="([^"]+)"/.exec(line);
    if (part) parts.push(part[1]!);
    else if (line && !line.startsWith('#')) {
      partsOf.set(line, parts);
      parts = [];
      segments++;
    }
  }
  return { text, lastSequence: sequence + segments - 1, pendingParts: parts, partsOf };
}

async function llPlaylist(
  rendition: string,
  query = '',
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${beside(`${rendition}/ll.m3u8`)}${query}`, {
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, text: await response.text() };
}

test('master.m3u8 lists the low-latency playlists; master-standard.m3u8 the same renditions without parts', async () => {
  const master = await (await fetch(grant.url)).text();
  assert.match(master, /\/ll\.m3u8\?e=/, 'LL variants, each with the token');
  assert.doesNotMatch(master, /index\.m3u8/);
  const standard = await fetch(beside('master-standard.m3u8'));
  assert.equal(standard.status, 200);
  const standardText = await standard.text();
  assert.match(standardText, /\/index\.m3u8\?e=/);
  assert.equal(
    standardText.replace(/index\.m3u8/g, 'll.m3u8'),
    master,
    'the same renditions, the same attributes',
  );
});

test('an LL playlist: parts of ~0.2 s that make up the segments, behind the token check', async () => {
  const master = await (await fetch(grant.url)).text();
  const rendition = /^([a-z0-9_-]+)\/ll\.m3u8/m.exec(master)![1]!;
  const noToken = await fetch(new URL(`${rendition}/ll.m3u8`, grant.url).href.split('?')[0]!);
  assert.equal(noToken.status, 403);

  await waitFor('three segments with parts', demo, async () => {
    const { text } = await llPlaylist(rendition);
    return parseLl(text).partsOf.size >= 3;
  }, 30_000);
  const { status, text } = await llPlaylist(rendition);
  assert.equal(status, 200);
  assert.match(text, /^#EXT-X-VERSION:9$/m);
  assert.match(text, /^#EXT-X-PART-INF:PART-TARGET=0\.25$/m);
  assert.match(text, /^#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0\.75$/m);
  assert.match(text, /^#EXT-X-PRELOAD-HINT:TYPE=PART,URI="[^"]+-p\d+\.m4s\?e=/m);
  const durations = [...text.matchAll(/#EXT-X-PART:DURATION=([\d.]+)/g)].map((m) => Number(m[1]));
  assert.ok(durations.length >= 10, `${durations.length} parts listed`);
  for (const duration of durations) assert.ok(duration > 0 && duration <= 0.25, `part ${duration}`);
  assert.ok(percentile(durations, 50) >= 0.19, 'parts of about 0.2 s');

  // A complete segment listed with its parts: its bytes are its parts', one after another.
  const playlist = parseLl(text);
  const [segment, parts] = [...playlist.partsOf].find(([, listed]) => listed.length > 0)!;
  const bytesOf = async (uri: string) => {
    const response = await fetch(new URL(uri, beside(`${rendition}/ll.m3u8`)));
    assert.equal(response.status, 200, uri);
    return Buffer.from(await response.arrayBuffer());
  };
  const whole = await bytesOf(segment);
  const joined = Buffer.concat(await Promise.all(parts.map(bytesOf)));
  assert.ok(whole.equals(joined), `${segment} is its ${parts.length} parts`);
});

test('a blocking reload waits for the part it asks for; a mutated one is a 400 at once', async () => {
  const master = await (await fetch(grant.url)).text();
  const rendition = /^([a-z0-9_-]+)\/ll\.m3u8/m.exec(master)![1]!;
  // Ask early in a segment (2 s = 10 parts), so the part asked for is inside the segment
  // being made and only that part's arrival can answer, not the segment's completion.
  let now = parseLl((await llPlaylist(rendition)).text);
  while (now.pendingParts.length > 4) {
    await sleep(100);
    now = parseLl((await llPlaylist(rendition)).text);
  }
  const next = now.lastSequence + 1;
  const wanted = now.pendingParts.length + 2; // the third part from now: 400–600 ms away
  const asked = Date.now();
  const held = await llPlaylist(rendition, `&_HLS_msn=${next}&_HLS_part=${wanted}`);
  const heldMs = Date.now() - asked;
  assert.equal(held.status, 200);
  const answer = parseLl(held.text);
  assert.ok(
    answer.lastSequence > next ||
      (answer.lastSequence === next - 1 && answer.pendingParts.length > wanted) ||
      answer.lastSequence === next,
    `holds segment ${next} part ${wanted}:\n${held.text}`,
  );
  assert.ok(heldMs > 150, `held until the part was there (${heldMs} ms)`);

  const mutations = [
    '_HLS_msn=-1',
    '_HLS_msn=99999999999999999999',
    '_HLS_msn=abc',
    '_HLS_msn=1.5',
    `_HLS_msn=${next + 50}`,
    '_HLS_part=1',
    `_HLS_msn=${next}&_HLS_part=-2`,
    `_HLS_msn=${next}&_HLS_msn=${next}`,
  ];
  for (const mutation of mutations) {
    const started = Date.now();
    const response = await llPlaylist(rendition, `&${mutation}`);
    assert.equal(response.status, 400, `${mutation}: ${response.text}`);
    assert.match(response.text, /_HLS_(msn|part)/, `${mutation} names what is wrong`);
    assert.ok(Date.now() - started < 5000, `${mutation} answered at once`);
  }
});

test('hls.js on the watch page plays the LL playlists under 2 s behind the camera', async () => {
  const page = await browser.newPage();
  const partRequests: string[] = [];
  page.on('request', (request) => {
    if (/-p\d+\.m4s/.test(request.url()) || /_HLS_msn=/.test(request.url())) {
      partRequests.push(request.url());
    }
  });
  await page.goto(`${setup.edgeUrl}/watch/demo`);
  await waitFor(
    'playing',
    demo,
    async () => (await page.locator('[data-player]').getAttribute('data-state')) === 'playing',
  );
  await sleep(4000);
  const ages = await sampleFrameAges(page, 10);
  assert.ok(ages.length >= 20, `${ages.length} samples`);
  const p50 = percentile(ages, 50);
  const figures = `glass-to-glass p50 ${p50} ms, p95 ${percentile(ages, 95)} ms`;
  console.log(figures);
  assert.ok(p50 < 2000, figures);
  assert.ok(partRequests.some((url) => /-p\d+\.m4s/.test(url)), 'hls.js fetched parts');
  assert.ok(partRequests.some((url) => /_HLS_msn=/.test(url)), 'and used blocking reloads');
  const badge = await page.locator('.live-badge').getAttribute('data-latency');
  assert.ok(badge && Number(badge) > 0 && Number(badge) < 3, `badge says ${badge} s`);
  await page.close();
});
