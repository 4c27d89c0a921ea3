// A viewer's whole evening, in a real browser against nothing but the demo's processes
// (edge, encoder with nginx-rtmp + ffmpeg, collector on the test source): the room list
// shows the room live, the watch page plays, the quality menu switches hls.js, the embed
// plays inside an iframe, the keyboard works, an expired token is renewed without a stall,
// and when the venue box drops the page says "be right back" and then plays again on its
// own, without a reload and without an error dialog.
//
// The edge's playback tokens live 30 s here (the least it allows), so renewal happens
// within the test. DOCS_SCREENSHOT_DIR=docs writes the README's screenshots.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Frame, Page, Request } from 'playwright-core';
import { launchChromium } from '../core/testing/chromium.ts';
import type { RunningProcess } from '../core/testing/process.ts';
import { demoRoomLive, type DemoSetup, prepareDemo, startDemo, waitFor } from './support/demo.ts';
import { percentile, sampleFrameAges } from './support/latency.ts';
import { sleep } from './support/stack.ts';
import { oneMediaFileAtATime } from './support/media_lock.ts';

const TOKEN_TTL_SECONDS = 30;

let setup: DemoSetup;
let demo: RunningProcess;
let browser: Browser;
let renditions: string[];

oneMediaFileAtATime();

before(async () => {
  setup = await prepareDemo({
    ROOMCAST_EDGE_PLAYBACK_TOKEN_TTL_SECONDS: String(TOKEN_TTL_SECONDS),
    // 480p, not the other demo tests' 360p: the demo's 360p rung is only made from a taller
    // source, and switching between two video renditions is part of what is tested here.
    ROOMCAST_COLLECTOR_OUTPUT_WIDTH: '854',
    ROOMCAST_COLLECTOR_OUTPUT_HEIGHT: '480',
    ROOMCAST_COLLECTOR_OUTPUT_VIDEO_KBPS: '1200',
  });
  demo = await startDemo(setup, { withStdin: true });
  const room = await demoRoomLive(setup, demo);
  renditions = room.renditions.map((r: { name: string }) => r.name);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  await rm(setup.dir, { recursive: true, force: true });
});

type Scope = Page | Frame;

/** The player's state attributes (the pages' contract with tests and embedders). */
function player(scope: Scope) {
  const root = scope.locator('[data-player]');
  return {
    root,
    attribute: async (name: string) => (await root.getAttribute(`data-${name}`)) ?? '',
    currentTime: () => scope.evaluate(() => document.querySelector('video')!.currentTime),
  };
}

/** Waits until the video's clock has advanced `seconds` (of media) while watching it. */
async function playsFor(scope: Scope, seconds: number, what: string) {
  const { currentTime } = player(scope);
  const start = await currentTime();
  const deadline = Date.now() + (seconds + 20) * 1000;
  let now = start;
  while (Date.now() < deadline) {
    now = await currentTime();
    if (now - start >= seconds) return;
    await sleep(250);
  }
  assert.fail(`${what}: currentTime went from ${start} to ${now}, not ${seconds} s further`);
}

/** Fails the test on any dialog: the player must never alert() a viewer. */
function noDialogs(page: Page) {
  page.on('dialog', (dialog) => {
    void dialog.dismiss();
    assert.fail(`the page opened a ${dialog.type()} dialog: ${dialog.message()}`);
  });
}

async function screenshot(page: Page, name: string) {
  const dir = process.env.DOCS_SCREENSHOT_DIR;
  if (dir) await page.screenshot({ path: join(dir, name), fullPage: true });
}

test('room list → watch page: plays, lists every rendition, switches, keys work', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  noDialogs(page);
  const heartbeats: unknown[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/heartbeat')) heartbeats.push(request.postDataJSON());
  });

  await page.goto(`${setup.edgeUrl}/`);
  const row = page.locator('li[data-room="demo"]');
  await row.locator('[data-state="live"]').waitFor({ timeout: 15_000 });
  // The venue box's preview, through the edge.
  await waitFor(
    'the room thumbnail',
    demo,
    () =>
      row.locator('img[data-thumbnail]').evaluate((img: HTMLImageElement) =>
        img.complete && img.naturalWidth > 0
      ),
  );
  await screenshot(page, 'room-list.png');

  await row.locator('a[href="/watch/demo"]').first().click();
  await page.waitForURL(`${setup.edgeUrl}/watch/demo`);
  const watch = player(page);
  await waitFor(
    'the watch page to play',
    demo,
    async () => (await watch.attribute('state')) === 'playing',
  );
  await playsFor(page, 10, 'the watch page');

  // Auto plus every video rendition the room has; the audio-only one as its own choice.
  const quality = page.getByLabel('Quality');
  const options = await quality.locator('option').evaluateAll((all) =>
    all.map((o) => (o as HTMLOptionElement).value)
  );
  const videoRenditions = renditions.filter((name) => name !== 'audio');
  assert.deepEqual(options, ['auto', ...videoRenditions, 'audio'], `quality menu ${options}`);
  for (const name of [...videoRenditions].reverse()) {
    await quality.selectOption(name);
    await waitFor(
      `hls.js to switch to ${name}`,
      demo,
      async () =>
        (await watch.attribute('rendition')) === name &&
        await page.evaluate(
          (wanted) => {
            const api = (window as unknown as {
              roomcastPlayer: { currentLevel(): string | null; hls(): { currentLevel: number } };
            }).roomcastPlayer;
            return api.currentLevel() === wanted && api.hls().currentLevel >= 0;
          },
          name,
        ),
    );
    assert.equal(await watch.attribute('auto'), 'false');
    await playsFor(page, 2, `playing ${name}`);
  }
  await quality.selectOption('auto');
  await waitFor('auto quality', demo, async () => (await watch.attribute('auto')) === 'true');

  // Keyboard: K pauses and plays, M mutes and unmutes.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  const video = (expression: string) =>
    page.evaluate(`document.querySelector('video').${expression}`);
  await page.keyboard.press('k');
  await waitFor('K to pause', demo, async () => (await video('paused')) === true);
  await page.keyboard.press('k');
  await waitFor('K to play', demo, async () => (await video('paused')) === false);
  const muted = await video('muted');
  await page.keyboard.press('m');
  assert.equal(await video('muted'), !muted);
  await page.keyboard.press('m');
  assert.equal(await video('muted'), muted);

  // The live badge: a viewer at the live edge is told so.
  const behind = Number(await watch.attribute('behind-live'));
  assert.ok(behind >= 0 && behind < 20, `behind live ${behind} s`);
  // The copyable snippet embeds this room.
  assert.match(
    await page.getByLabel('Embed code').inputValue(),
    new RegExp(`<iframe src="${setup.edgeUrl}/embed/demo"`),
  );
  await screenshot(page, 'watch-page.png');

  assert.ok(heartbeats.length >= 1, 'the page sent a heartbeat');
  assert.match(JSON.stringify(heartbeats[0]), /"session":"[\w-]{8,}"/);
  await page.close();
});

test('glass to glass: 30 s of the frame on screen against the clock', async () => {
  const page = await browser.newPage();
  await page.goto(`${setup.edgeUrl}/watch/demo`);
  await waitFor('playing', demo, async () => (await player(page).attribute('state')) === 'playing');
  const ages = await sampleFrameAges(page, 30);
  assert.ok(ages.length >= 60, `${ages.length} readings of the playing date`);
  // The stamps are the collector's capture clock on this same machine: a frame on screen
  // cannot be from the future, and one minutes old would mean a wrong stamp. (How low it
  // is, is measured by bench/glass_to_glass.ts, not asserted.)
  assert.ok(Math.min(...ages) > 0, `a frame from the future: ${Math.min(...ages)} ms`);
  assert.ok(Math.max(...ages) < 30_000, `a frame ${Math.max(...ages)} ms old`);
  console.log(
    `glass to glass over 30 s: p50 ${percentile(ages, 50)} ms, p95 ${percentile(ages, 95)} ms`,
  );
  await page.close();
});

test('the embed page plays inside an iframe on another site', async () => {
  // Another site (its own origin) with the snippet a host would paste.
  const host = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(
      `<!doctype html><title>A host site</title><h1>Our conference</h1>` +
        `<iframe src="${setup.edgeUrl}/embed/demo" width="640" height="360" ` +
        `allow="autoplay; fullscreen" allowfullscreen style="border:0"></iframe>`,
    );
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  const page = await browser.newPage({ viewport: { width: 800, height: 500 } });
  try {
    noDialogs(page);
    await page.goto(`http://localhost:${(host.address() as AddressInfo).port}/`);
    const frame = await waitFor(
      'the embed frame',
      demo,
      () => Promise.resolve(page.frames().find((f) => f.url().includes('/embed/demo')) ?? null),
    );
    await waitFor(
      'the embed to play',
      demo,
      async () => (await player(frame).attribute('state')) === 'playing',
    );
    await playsFor(frame, 5, 'the embed page');
  } finally {
    await page.close();
    host.close();
  }
});

test('an expired token is refused by nginx; the page renews its token and keeps playing', async () => {
  const page = await browser.newPage();
  noDialogs(page);
  // The page's renewals are held back until its first token has expired, so its next
  // playlist request carries an expired token.
  let holdRenewals = true;
  let grants = 0;
  await page.route('**/api/v1/public/rooms/demo/playback', async (route) => {
    if (grants > 0 && holdRenewals) return route.abort('connectionfailed');
    grants += 1;
    await route.continue();
  });
  const refused: string[] = [];
  const tokens = new Set<string>();
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (!url.pathname.startsWith('/hls/demo/')) return;
    if (response.status() === 403) refused.push(url.pathname);
    if (response.status() === 200) tokens.add(url.searchParams.get('e') ?? '');
  });
  const playlists: Request[] = [];
  page.on('request', (request) => {
    if (request.url().includes('.m3u8')) playlists.push(request);
  });

  await page.goto(`${setup.edgeUrl}/watch/demo`);
  const watch = player(page);
  await waitFor('playing', demo, async () => (await watch.attribute('state')) === 'playing');
  const firstExpiry = Date.parse(await watch.attribute('token-expires'));
  const firstPlaylist = playlists[0]!.url();

  // Past the first token's expiry: nginx refuses it, and the page has seen that.
  await waitFor(
    'a playlist refused with the expired token',
    demo,
    () => Promise.resolve(Date.now() > firstExpiry + 1000 && refused.length > 0),
    (TOKEN_TTL_SECONDS + 30) * 1000,
  );
  assert.equal((await fetch(firstPlaylist)).status, 403, 'the old token is no good');
  holdRenewals = false;

  await waitFor(
    'a renewed token',
    demo,
    async () => Date.parse(await watch.attribute('token-expires')) > firstExpiry,
  );
  await playsFor(page, 8, 'after renewal');
  assert.equal(await watch.attribute('state'), 'playing');
  assert.ok(tokens.size >= 2, `media served under ${tokens.size} tokens`);
  await page.close();
});

test('the venue box drops: the page says so, then plays again without a reload', async () => {
  const page = await browser.newPage();
  noDialogs(page);
  let navigations = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations += 1;
  });
  await page.goto(`${setup.edgeUrl}/watch/demo`);
  const watch = player(page);
  await waitFor('playing', demo, async () => (await watch.attribute('state')) === 'playing');

  demo.child.stdin!.write('c\n');
  const dropped = Date.now();
  const state = await waitFor(
    'the page to show the room is off air',
    demo,
    async () => {
      const now = await watch.attribute('state');
      return now === 'backSoon' || now === 'offline' ? now : null;
    },
    20_000,
  );
  const noticedMs = Date.now() - dropped;
  assert.equal(state, 'backSoon', 'a dropped venue box is "be right back", not offline');
  await screenshot(page, 'watch-page-back-soon.png');
  assert.match(await page.locator('[data-player]').innerText(), /be right back/i);

  demo.child.stdin!.write('c\n');
  const resumedAt = Date.now();
  await waitFor(
    'playing again',
    demo,
    async () => (await watch.attribute('state')) === 'playing',
    60_000,
  );
  await playsFor(page, 5, 'after the box came back');
  assert.equal(navigations, 1, 'no reload');
  console.log(
    `venue box drop: page showed ${state} after ${noticedMs} ms; ` +
      `playing again ${Date.now() - resumedAt} ms after the collector restarted`,
  );
  await page.close();
});

test('Ctrl-C stops the demo while its stdin is still open (as in a terminal)', {
  timeout: 30_000,
}, async () => {
  const exited = new Promise<number | null>((resolve) => demo.child.once('exit', resolve));
  demo.child.kill('SIGINT');
  assert.equal(await exited, 0, demo.output().slice(-2000));
});
