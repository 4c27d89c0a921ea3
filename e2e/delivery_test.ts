// Delivery for real: `roomcast edge` and `roomcast encoder` (nginx-rtmp, ffmpeg) on
// loopback, an ffmpeg publisher, and Chromium. The same segments as DASH, played by dash.js
// with its DVR window seekable; then a publisher that drops and comes back, with the
// edge's embed page playing: while it is away the playlists go on with the "be right back"
// slate between two discontinuities and the player's time only moves on; back within the
// reconnect window the stream resumes in the same playlists; gone for longer, they end.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../core/testing/chromium.ts';
import type { RunningProcess } from '../core/testing/process.ts';
import { oneMediaFileAtATime } from './support/media_lock.ts';
import { startTestPublisher } from './support/publisher.ts';
import { ROOT, sleep, type Stack, startStack } from './support/stack.ts';

const ROOM = 'hall';
const WINDOW_SECONDS = 15;
const RENDITIONS = ['source', '180p', 'audio'];

let stack: Stack;
let key: string;
let browser: Browser;
let publisher: RunningProcess | null = null;

oneMediaFileAtATime();

function startPublisher(): RunningProcess {
  return startTestPublisher(stack.ports.rtmp, key);
}

const roomDir = () => join(stack.dir, 'encoder/hls', ROOM);

interface Listed {
  uri: string;
  map: string;
  discontinuity: boolean;
}

async function playlist(rendition: string): Promise<{ segments: Listed[]; ended: boolean }> {
  const text = await readFile(join(roomDir(), rendition, 'index.m3u8'), 'utf8');
  const segments: Listed[] = [];
  let map = '';
  let discontinuity = false;
  for (const line of text.split('\n')) {
    const mapped = /^#EXT-X-MAP:URI="([^"?]+)/.exec(line);
    if (mapped) map = mapped[1]!;
    else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (line && !line.startsWith('#')) {
      segments.push({ uri: line.split('?')[0]!, map, discontinuity });
      discontinuity = false;
    }
  }
  return { segments, ended: text.includes('#EXT-X-ENDLIST') };
}

/** The media data of an fMP4 segment: what stays the same in every copy of the slate. */
const mdatOf = (bytes: Buffer) => bytes.subarray(bytes.indexOf('mdat'));

/**
 * Whether listed segment `uri` of `rendition` is a copy of the slate: the same pictures as
 * its template (only the timing in front of them differs). Not told by the init segment: a
 * rung's and its slate's are byte for byte the same (same encoder, same parameters).
 */
async function isSlate(rendition: string, uri: string): Promise<boolean> {
  const template = await readFile(join(stack.dir, 'encoder/slates', ROOM, rendition, 'slate-0.m4s'))
    .catch(() => null);
  const segment = await readFile(join(roomDir(), rendition, uri)).catch(() => null);
  return template !== null && segment !== null && mdatOf(template).equals(mdatOf(segment));
}

/** Every rendition's playlist as runs: [slate?] per run, in order. */
async function runsOf(rendition: string): Promise<{ slate: boolean; segments: Listed[] }[]> {
  const runs: { slate: boolean; segments: Listed[] }[] = [];
  for (const segment of (await playlist(rendition)).segments) {
    const last = runs.at(-1);
    if (last && !segment.discontinuity && last.segments[0]!.map === segment.map) {
      last.segments.push(segment);
    } else {
      runs.push({ slate: await isSlate(rendition, segment.uri), segments: [segment] });
    }
  }
  return runs;
}

async function playerState(page: Page): Promise<string | null> {
  return await page.locator('[data-player]').getAttribute('data-state');
}

before(async () => {
  stack = await startStack({
    name: 'reconnect',
    env: { ROOMCAST_EDGE_RECONNECT_WINDOW_SECONDS: String(WINDOW_SECONDS) },
  });
  const room = await stack.apiJson('POST', '/rooms', { id: ROOM, title: 'Hall' });
  key = room.streamKey.key;
  await stack.apiJson('PATCH', `/rooms/${ROOM}`, {
    ladder: [
      { name: 'source', codec: 'copy' },
      { name: '180p', codec: 'h264', height: 180, videoKbps: 300, audioKbps: 64 },
      { name: 'audio', codec: 'audio', audioKbps: 64 },
    ],
  });
  browser = await launchChromium();
});

after(async () => {
  await publisher?.stop();
  await browser?.close();
  await stack?.stop();
});

const DASH_JS = join(ROOT, 'node_modules/dashjs/dist/modern/umd/dash.all.min.js');

test('DASH over the same segments: token-checked, plays in dash.js, seekable back past the HLS window', async () => {
  publisher = startPublisher();
  await stack.waitFor('every rendition live', async () => {
    for (const name of RENDITIONS) if ((await playlist(name)).segments.length < 2) return false;
    return true;
  }, 40_000);
  const grant = await stack.apiJson('POST', `/public/rooms/${ROOM}/playback`, {});
  const manifestUrl = new URL(grant.dashUrl);
  assert.equal(manifestUrl.pathname, `/hls/${ROOM}/manifest.mpd`);
  assert.equal((await fetch(manifestUrl.origin + manifestUrl.pathname)).status, 403, 'no token');
  const mutated = grant.dashUrl.replace(
    /t=([^&])/,
    (_: string, c: string) => `t=${c === 'A' ? 'B' : 'A'}`,
  );
  assert.equal((await fetch(mutated)).status, 403, 'mutated token');
  const response = await fetch(grant.dashUrl);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/dash+xml');
  const mpd = await response.text();
  assert.match(mpd, /<MPD [^>]*type="dynamic"/);
  assert.match(mpd, /timeShiftBufferDepth="PT1800S"/);
  // Every segment and init URL carries the request's token (XML-escaped).
  const token = grant.tokenQuery.replaceAll('&', '&amp;');
  assert.match(mpd, /media="source\/r\d+-\$Number\$\.m4s\?e=/);
  for (const [, url] of mpd.matchAll(/(?:media|initialization)="([^"]+)"/g)) {
    assert.ok(url!.endsWith(`?${token}`), `${url} carries the token`);
  }

  // dash.js on a page of the edge's origin (nginx allows it), with nothing but the player.
  const page = await browser.newPage();
  const pageLog: string[] = [];
  page.on('console', (message) => pageLog.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => pageLog.push(`error: ${error.message}`));
  // dash.js, nothing else, on a page of the edge's origin (whose CSP lets a player reach
  // the encoder; nginx's CORS allows that origin). Evaluated, not a script tag: the CSP
  // takes no inline scripts, and evaluation by the test harness is not one.
  await page.goto(`${stack.edgeUrl}/`);
  await page.evaluate(await readFile(DASH_JS, 'utf8'));
  await page.evaluate((url) => {
    const video = document.createElement('video');
    video.muted = true;
    document.body.replaceChildren(video);
    // deno-lint-ignore no-explicit-any
    const player = (globalThis as any).dashjs.MediaPlayer().create();
    // Loopback: the page's clock is the encoder's (no time server to ask).
    player.updateSettings({ streaming: { utcSynchronization: { enabled: false } } });
    player.initialize(video, url, true);
    // deno-lint-ignore no-explicit-any
    (globalThis as any).player = player;
  }, grant.dashUrl);
  const currentTime = () => page.evaluate(() => document.querySelector('video')!.currentTime);
  await stack.waitFor('dash.js playing', async () => (await currentTime()) > 1, 40_000)
    .catch((error) => {
      throw new Error(`${error.message}\n--- page ---\n${pageLog.slice(-40).join('\n')}`);
    });
  const playing = await currentTime();
  await sleep(3000);
  assert.ok((await currentTime()) > playing + 2, 'dash.js plays on');

  // Once more media than the HLS window holds (6 × 2 s) is out, the DVR window has it all.
  await stack.waitFor('over 16 s of stream', async () => {
    // deno-lint-ignore no-explicit-any
    const dvr = await page.evaluate(() => (globalThis as any).player.getDvrWindow());
    return dvr.size > 16;
  }, 40_000);
  // deno-lint-ignore no-explicit-any
  const dvr = await page.evaluate(() => (globalThis as any).player.getDvrWindow());
  await page.evaluate((to) => {
    // deno-lint-ignore no-explicit-any
    (globalThis as any).player.seek(to);
  }, dvr.start + 1);
  await stack.waitFor('playing back in the DVR window', async () => {
    const now = await currentTime();
    return now > dvr.start && now < dvr.end - 12;
  }, 20_000);
  const back = await currentTime();
  await sleep(2000);
  assert.ok((await currentTime()) > back + 1, 'plays on from there');
  console.log(
    `# dash.js: DVR window ${dvr.size.toFixed(1)} s, seeked to ${back.toFixed(1)} of ${
      dvr.end.toFixed(1)
    }`,
  );
  await page.close();
});

test('killed and back after 5 s: the slate between two seams, no ENDLIST, time only moves on in Chromium', async () => {
  // Rendered in the background once the room is live.
  await stack.waitFor('the slate rendered', async () => {
    for (const name of RENDITIONS) {
      await readFile(join(stack.dir, 'encoder/slates', ROOM, name, 'slate-0.m4s'));
    }
    return true;
  });

  const page = await browser.newPage();
  await page.goto(`${stack.edgeUrl}/embed/${ROOM}`);
  await stack.waitFor(
    'the embed page playing',
    async () => (await playerState(page)) === 'playing',
  );
  await page.evaluate(() => {
    const video = document.querySelector('video')!;
    const samples: number[] = [];
    (globalThis as unknown as { samples: number[] }).samples = samples;
    setInterval(() => samples.push(video.currentTime), 200);
  });
  const samples = () =>
    page.evaluate(() => (globalThis as unknown as { samples: number[] }).samples);
  await sleep(2000);

  publisher!.child.kill('SIGKILL');
  const killedAt = Date.now();
  await stack.waitFor('the slate listed after the stream in every rendition', async () => {
    for (const name of RENDITIONS) {
      const runs = await runsOf(name);
      if (!runs.at(-1)?.slate || runs.at(-2)?.slate !== false) return false;
    }
    return true;
  }, 20_000);
  const beforeBack = (await samples()).length;
  await sleep(Math.max(0, killedAt + 5000 - Date.now()));
  publisher = startPublisher();
  await stack.waitFor('the stream back after the slate in every rendition', async () => {
    for (const name of RENDITIONS) {
      const runs = await runsOf(name);
      const last = runs.at(-1)!;
      if (last.slate || !runs.at(-2)?.slate) return false;
    }
    return true;
  }, 40_000);
  await stack.waitFor(
    'the page playing the stream again',
    async () => (await playerState(page)) === 'playing',
  );
  await sleep(3000);

  for (const name of RENDITIONS) {
    const { ended } = await playlist(name);
    assert.equal(ended, false, `${name}: open all along`);
    const runs = await runsOf(name);
    // The stream before the slate may have scrolled out of the window by now.
    const slateAt = runs.findIndex((run) => run.slate);
    assert.ok(slateAt >= 0 && slateAt === runs.length - 2, `${name}: the slate, then the stream`);
    assert.ok(runs[slateAt]!.segments[0]!.discontinuity, `${name}: a seam before the slate`);
    assert.ok(runs[slateAt + 1]!.segments[0]!.discontinuity, `${name}: a seam after it`);
    assert.ok(runs[slateAt]!.segments.length >= 2, `${name}: the slate lasted the drop`);
  }

  // The slate's media: each rendition's own codec and size.
  for (const [name, codec, size] of [['source', 'h264', '640x360'], ['180p', 'h264', '320x180']]) {
    const run = (await runsOf(name!)).find((r) => r.slate)!;
    const file = join(stack.dir, `${name}-slate.mp4`);
    await writeFile(
      file,
      Buffer.concat([
        await readFile(join(roomDir(), name!, run.segments[0]!.map)),
        await readFile(join(roomDir(), name!, run.segments[1]!.uri)),
      ]),
    );
    const probed = JSON.parse(execFileSync('ffprobe', [
      '-v',
      'error',
      '-show_streams',
      '-of',
      'json',
      file,
    ], { encoding: 'utf8' })).streams[0];
    assert.equal(probed.codec_name, codec);
    assert.equal(`${probed.width}x${probed.height}`, size);
  }

  const times = await samples();
  const backwards = times.flatMap((
    t,
    i,
  ) => (i > 0 && t < times[i - 1]! - 0.001 ? [[times[i - 1], t]] : []));
  assert.deepEqual(backwards, [], 'the player never goes back in time');
  const duringSlate = times.slice(beforeBack);
  assert.ok(
    duringSlate.at(-1)! - duringSlate[0]! > 5,
    `the player played on through the drop: ${duringSlate[0]} → ${duringSlate.at(-1)}`,
  );
  console.log(`# slate: played ${times[0]} → ${times.at(-1)} s across a 5 s drop`);
  await page.close();
});

test('gone past the reconnect window: ENDLIST everywhere and offline; a later publish starts again', async () => {
  publisher!.child.kill('SIGKILL');
  const goneAt = Date.now();
  await stack.waitFor('ENDLIST in every rendition', async () => {
    for (const name of RENDITIONS) if (!(await playlist(name)).ended) return false;
    return true;
  }, (WINDOW_SECONDS + 20) * 1000);
  const endedAfter = (Date.now() - goneAt) / 1000;
  assert.ok(endedAfter >= WINDOW_SECONDS - 1, `ended after ${endedAfter} s, not before the window`);
  const room = await stack.apiJson('GET', `/public/rooms/${ROOM}`);
  assert.equal(room.state, 'offline');

  publisher = startPublisher();
  await stack.waitFor('the playlists open again with new media', async () => {
    for (const name of RENDITIONS) {
      const { ended, segments } = await playlist(name);
      if (ended || !segments.length || (await isSlate(name, segments.at(-1)!.uri))) return false;
    }
    return true;
  }, 40_000);
});
