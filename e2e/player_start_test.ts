// A viewer who opens the watch page before the room goes live (the usual case at the start
// of a talk) gets the room as soon as there is a first segment: hls.js then starts on the
// only segment there is, closer to the edge than its target and with almost no buffer,
// unless it waits for a playlist that reaches back that far (web/src/player/tuning.ts,
// START_SEGMENTS). This checks, in real Chromium on the demo, that it plays at its target
// with buffer in hand.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../core/testing/chromium.ts';
import type { RunningProcess } from '../core/testing/process.ts';
import { type DemoSetup, prepareDemo, startDemo, waitFor } from './support/demo.ts';
import { oneMediaFileAtATime } from './support/media_lock.ts';
import { sleep } from './support/stack.ts';

let setup: DemoSetup;
let demo: RunningProcess;
let browser: Browser;

oneMediaFileAtATime();

before(async () => {
  setup = await prepareDemo();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  await rm(setup.dir, { recursive: true, force: true });
});

interface Reading {
  behind: number;
  target: number;
  ahead: number;
}

test('waiting on the page when the room goes live: the player settles at its target, with buffer', async () => {
  demo = await startDemo(setup);
  const page = await browser.newPage();
  // Before the room is live: the page waits and starts by itself.
  await page.goto(`${setup.edgeUrl}/watch/demo`);
  await waitFor(
    'playing',
    demo,
    async () => (await page.locator('[data-player]').getAttribute('data-state')) === 'playing',
  );
  const read = () =>
    page.evaluate((): Reading | null => {
      const hls = (window as unknown as {
        roomcastPlayer: { hls(): { latency: number; targetLatency: number | null } | null };
      }).roomcastPlayer.hls();
      const video = document.querySelector('video')!;
      if (!hls?.targetLatency || !(hls.latency > 0) || !video.buffered.length) return null;
      return {
        behind: hls.latency,
        target: hls.targetLatency,
        ahead: video.buffered.end(video.buffered.length - 1) - video.currentTime,
      };
    });
  // A few playlists later the playlist holds the target; then 10 s of readings.
  await sleep(12_000);
  const readings: Reading[] = [];
  for (let i = 0; i < 40; i++) {
    const reading = await read();
    if (reading) readings.push(reading);
    await sleep(250);
  }
  assert.ok(readings.length >= 20, `${readings.length} readings`);
  const target = readings.at(-1)!.target;
  // The default tuning: 1.5 target durations of 2 s (more only after a stall, by hls.js).
  assert.ok(target >= 3, `target ${target} s`);
  const behind = readings.map((r) => r.behind).sort((a, b) => a - b);
  const typical = behind[Math.floor(behind.length / 2)]!;
  const ahead = readings.map((r) => r.ahead).sort((a, b) => a - b);
  const typicalBuffer = ahead[Math.floor(ahead.length / 2)]!;
  const settled = `${typical.toFixed(2)} s behind typically, ${behind[0]!.toFixed(2)} s at the ` +
    `closest (target ${target} s), buffer ${typicalBuffer.toFixed(2)} s typically, ` +
    `${ahead[0]!.toFixed(2)} s at the least`;
  console.log(`# settled: ${settled}`);
  // Started on the first segment it would play one segment (2 s) behind, ~0.1 s of buffer,
  // all the time. Medians, not extremes: hls.js estimates the edge from when it parsed the
  // playlist, so on a loaded machine a playlist parsed late reads closer than it is for a
  // moment (CI once read 2.1 s against a 3 s target while the buffer held), and a segment
  // fetched late dips the buffer for a moment.
  assert.ok(typical >= target - 0.75, settled);
  assert.ok(typicalBuffer >= 0.5, settled);
  await page.close();
});
