// The crew's status page in a real Chromium against the real status server, fed by a fake
// collector whose audio levels move like a live room (a sine over time, a new snapshot
// every 100 ms) and whose preview is a real JPEG made by ffmpeg.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../../core/testing/chromium.ts';
import { createMemoryLogger } from '../../../core/log.ts';
import { freePort } from '../../../core/testing/net.ts';
import type { CollectorStatus } from '../status.ts';
import { createStatusApp, type RunningStatusServer, startStatusServer } from '../status_server.ts';
import { bundleStatusPage } from './bundle.ts';

const run = promisify(execFile);

/** Knobs the test turns; everything else of the status is derived from the clock. */
interface FakeKnobs {
  onAir: boolean;
  silence: boolean;
  clipping: boolean;
  lowDisk: boolean;
  jpeg: Uint8Array | null;
  previewAt: string | null;
}

/** A fake collector made of functions, like the daemon: snapshots, preview, subscriptions. */
function fakeCollector(knobs: FakeKnobs) {
  const startedAt = Date.now();
  let subscribers = 0;
  const levelAt = (t: number, channel: number) => {
    // Different periods per channel, so the two never repeat their values together.
    const rmsDb = -30 + 18 * Math.sin((2 * Math.PI * t) / (2_300 + 700 * channel) + channel);
    return { rmsDb, peakDb: Math.min(0, rmsDb + 9) };
  };
  const status = (): CollectorStatus => {
    const now = Date.now();
    return {
      nodeId: 'col-hall-1',
      room: 'main-hall',
      state: knobs.onAir ? 'live' : 'offline',
      onAir: knobs.onAir,
      worker: {
        state: 'running',
        pid: 4242,
        restarts: 1,
        lastError: 'capture card reset',
        lastMessageAt: null,
      },
      input: { present: true, format: '1280x720 29.97p' },
      audio: {
        levels: [levelAt(now, 0), levelAt(now, 1)],
        warnings: { silence: knobs.silence, clipping: knobs.clipping, silentSeconds: 0 },
      },
      uplink: {
        state: knobs.onAir ? 'live' : 'backoff',
        bitrateKbps: 3_150,
        reconnects: 2,
        lastFailureAt: new Date(now - 125_000).toISOString(),
        lastFailure: 'the encoder closed the connection',
        encoderNodeId: 'enc-1',
        target: 'enc-1.example.net:1935',
      },
      recording: {
        active: true,
        dir: '/var/lib/roomcast/recordings',
        currentFile: 'main-hall/2025-05-01T09-00-00.mkv',
        startedAt: new Date(startedAt - 3_000_000).toISOString(),
        seconds: 3_000 + Math.floor((now - startedAt) / 1000),
        diskFreeMb: knobs.lowDisk ? 900 : 182_000,
        lowDisk: knobs.lowDisk,
        rotatedFiles: 0,
      },
      preview: { updatedAt: knobs.previewAt },
      at: new Date(now).toISOString(),
    };
  };
  return {
    status,
    preview: () => knobs.jpeg,
    subscribers: () => subscribers,
    subscribe(listener: (s: CollectorStatus) => void) {
      subscribers++;
      const timer = setInterval(() => listener(status()), 100);
      return () => {
        subscribers--;
        clearInterval(timer);
      };
    },
  };
}

async function waitUntil(condition: () => boolean, what: string, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const meterValues = (page: Page) =>
  page.locator('[role="meter"]').evaluateAll((meters) =>
    meters.map((m) => [m.getAttribute('data-rms-db'), m.getAttribute('data-peak-db')])
  );

describe('collector status page in Chromium', () => {
  const knobs: FakeKnobs = {
    onAir: true,
    silence: false,
    clipping: false,
    lowDisk: false,
    jpeg: null,
    previewAt: null,
  };
  const collector = fakeCollector(knobs);
  const log = createMemoryLogger('collector-status');
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  let dir = '';
  let server: RunningStatusServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let jpeg: Uint8Array;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roomcast-status-page-'));
    const out = join(dir, 'preview.jpg');
    await run('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x180',
      '-frames:v',
      '1',
      '-f',
      'image2',
      '-c:v',
      'mjpeg',
      out,
    ]);
    jpeg = new Uint8Array(await readFile(out));

    const app = createStatusApp({
      status: collector.status,
      preview: collector.preview,
      script: bundleStatusPage,
      subscribe: collector.subscribe,
      log,
    });
    server = await startStatusServer({ host: '127.0.0.1', port: await freePort(), app });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto(server.url);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the tally reads ON AIR, with the room and node named', async () => {
    const tally = page.getByRole('status', { name: 'Tally: ON AIR' });
    await tally.waitFor({ timeout: 5_000 });
    assert.equal(await tally.textContent(), 'ON AIR');
    assert.equal(await page.locator('h1').textContent(), 'main-hall');
    assert.match(await page.locator('header').textContent() ?? '', /node col-hall-1/);
    assert.match(await page.title(), /main-hall/);
  });

  test('the channel meters move with the audio', async () => {
    const meters = page.locator('[role="meter"]');
    await meters.first().waitFor({ timeout: 5_000 });
    assert.equal(await meters.count(), 2);
    for (const [i, meter] of (await meters.all()).entries()) {
      assert.equal(await meter.getAttribute('aria-label'), `Channel ${i + 1} level`);
      assert.equal(await meter.getAttribute('aria-valuemin'), '-60');
      assert.equal(await meter.getAttribute('aria-valuemax'), '0');
      const now = Number(await meter.getAttribute('aria-valuenow'));
      assert.ok(now >= -60 && now <= 0, `aria-valuenow ${now} on the scale`);
    }
    const first = await meterValues(page);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const second = await meterValues(page);
    for (const values of [...first, ...second]) {
      assert.ok(values.every((v) => v !== null && Number.isFinite(Number(v))), String(values));
    }
    assert.notDeepEqual(second, first, 'levels 500 ms apart differ');
  });

  test('the preview says "no preview yet", then shows the frame at its real size', async () => {
    await page.getByText('no preview yet').waitFor({ timeout: 5_000 });
    knobs.jpeg = jpeg;
    knobs.previewAt = new Date().toISOString();
    const shown = page.locator('img[data-preview="shown"]');
    await shown.waitFor({ timeout: 5_000 });
    assert.match(await shown.getAttribute('src') ?? '', /^\/preview\.jpg\?t=\d+$/);
    assert.equal(await shown.evaluate((img: HTMLImageElement) => img.naturalWidth), 320);
    assert.equal(await page.getByText('no preview yet').count(), 0);

    // A new frame request every 1–2 s replaces the shown one.
    const firstSrc = await shown.getAttribute('src');
    await page.waitForFunction(
      (src) => document.querySelector('img[data-preview="shown"]')?.getAttribute('src') !== src,
      firstSrc,
      { timeout: 5_000 },
    );
  });

  test('the uplink shows how long ago it last failed, and why', async () => {
    const uplink = page.getByRole('region', { name: 'Uplink' });
    await uplink.getByText('2 min ago').waitFor({ timeout: 5_000 });
    await uplink.getByText('the encoder closed the connection').waitFor({ timeout: 5_000 });
  });

  test('a screenshot for the docs only when DOCS_SCREENSHOT_DIR is set', async () => {
    const target = process.env.DOCS_SCREENSHOT_DIR;
    if (!target) return; // nothing is written into the repo by default
    await page.screenshot({ path: join(target, 'collector-status-page.png'), fullPage: true });
  });

  test('silence, clipping and low disk show as warnings while reported', async () => {
    assert.equal(await page.locator('[data-warning]').count(), 0);
    knobs.silence = true;
    await page.locator('[data-warning="silence"]').waitFor({ timeout: 5_000 });
    assert.match(await page.locator('[data-warning="silence"]').textContent() ?? '', /SILENCE/);
    knobs.clipping = true;
    await page.locator('[data-warning="clipping"]').waitFor({ timeout: 5_000 });
    assert.match(await page.locator('[data-warning="clipping"]').textContent() ?? '', /CLIPPING/);
    knobs.lowDisk = true;
    await page.locator('[data-warning="low-disk"]').waitFor({ timeout: 5_000 });
    assert.match(await page.locator('[data-warning="low-disk"]').textContent() ?? '', /LOW DISK/);

    knobs.silence = knobs.clipping = knobs.lowDisk = false;
    await page.locator('[data-warning]').first().waitFor({ state: 'detached', timeout: 5_000 });
  });

  test('flipping the collector offline turns the tally to OFFLINE', async () => {
    knobs.onAir = false;
    const tally = page.getByRole('status', { name: 'Tally: OFFLINE' });
    await tally.waitFor({ timeout: 5_000 });
    assert.equal(await tally.textContent(), 'OFFLINE');
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(consoleErrors, [], 'no CSP violation nor failed request so far');
  });

  test('stopping the server shows the "lost contact" banner', async () => {
    assert.equal(collector.subscribers(), 1);
    await server?.close();
    const banner = page.locator('[data-contact="lost"]');
    await banner.waitFor({ timeout: 5_000 });
    assert.match(await banner.textContent() ?? '', /Lost contact with the collector/);
    await page.getByRole('status', { name: 'Tally: OFFLINE (last known)' }).waitFor({
      timeout: 5_000,
    });
    await waitUntil(() => collector.subscribers() === 0, 'the dropped page is unsubscribed');
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(log.lines, [], 'the server logged no bug');
  });
});
