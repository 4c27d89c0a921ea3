// `roomcast demo` as the README's demo command runs it: one process with the edge, an
// encoder (nginx-rtmp + ffmpeg) and a collector (GStreamer worker) on the test source.
// Run twice in the same directory: each run goes live, Ctrl-C stops everything it started,
// and the second run needs no cleanup.
import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { launchChromium } from '../core/testing/chromium.ts';
import type { RunningProcess } from '../core/testing/process.ts';
import { demoRoomLive, type DemoSetup, prepareDemo, startDemo, waitFor } from './support/demo.ts';
import { sleep } from './support/stack.ts';
import { oneMediaFileAtATime } from './support/media_lock.ts';

let setup: DemoSetup;
let dir: string;
let edgeUrl: string;
let statusUrl: string;
const runs: RunningProcess[] = [];

/**
 * Processes the demo started and left behind: its pipeline worker (told apart from other
 * tests' collectors by its status port), ffmpeg and nginx (under /tmp/roomcast-demo-…
 * when run as root, else under the test directory). nginx rewrites its argv and environ,
 * so its workers are found as children of such a master, or as orphans.
 */
async function demoChildren(): Promise<string[]> {
  const processes = await Promise.all(
    (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry)).map(async (pid) => ({
      pid,
      cmdline: (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''))
        .replaceAll('\0', ' '),
      environ: await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => ''),
      ppid: (await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')).split(') ')[1]
        ?.split(' ')[1],
    })),
  );
  const ours = (p: (typeof processes)[number]) =>
    p.cmdline.includes(dir) || p.cmdline.includes('/roomcast-demo-') ||
    (p.cmdline.includes('collector/worker/main.ts') &&
      p.environ.includes(`ROOMCAST_COLLECTOR_STATUS_PORT=${new URL(statusUrl).port}\0`));
  const masters = new Set(processes.filter(ours).map((p) => p.pid));
  return processes
    .filter((p) => Number(p.pid) !== process.pid && p.cmdline && !p.cmdline.includes('--test'))
    .filter((p) =>
      ours(p) ||
      (p.cmdline.startsWith('nginx: worker') && (masters.has(p.ppid ?? '') || p.ppid === '1'))
    )
    .map((p) => `${p.pid}: ${p.cmdline.slice(0, 120)}`);
}

oneMediaFileAtATime();

before(async () => {
  setup = await prepareDemo();
  ({ dir, edgeUrl, statusUrl } = setup);
});

after(async () => {
  for (const run of runs) await run.stop();
  await rm(dir, { recursive: true, force: true });
});

for (const round of [1, 2]) {
  test(`demo run ${round}: the room goes live with HLS, Ctrl-C stops everything`, async () => {
    const run = await startDemo(setup);
    runs.push(run);
    assert.match(run.output(), new RegExp(`collector status page +${statusUrl}/`));

    try {
      const room = await demoRoomLive(setup, run);
      assert.equal(room.title, 'Demo room');
      await waitFor('the collector on air', run, async () => {
        return (await (await fetch(`${statusUrl}/api/status`)).json()).onAir === true;
      });
      const grant = await (await fetch(`${edgeUrl}/api/v1/public/rooms/demo/playback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })).json();
      const master = await waitFor('the master playlist', run, async () => {
        const response = await fetch(grant.url);
        return response.status === 200 ? await response.text() : null;
      });
      for (const rendition of ['source/', 'audio/']) {
        assert.ok(master.includes(rendition), `master lists ${rendition}:\n${master}`);
      }
      // The test runs the collector at 360p: the demo's 360p rung would only re-encode the
      // source at its own size, so the encoder skips it.
      assert.ok(!master.includes('360p/'), `no 360p rung from a 360p source:\n${master}`);
      // Fresh media from this run, not a playlist left by the last one.
      const playlistUrl = grant.url.replace('master.m3u8', 'source/index.m3u8');
      const segments = async () =>
        (await (await fetch(playlistUrl)).text()).split('\n').filter((l) =>
          l && !l.startsWith('#')
        );
      const first = await waitFor('a source playlist', run, async () => {
        const found = await segments();
        return found.length ? found : null;
      });
      await waitFor('a new segment', run, async () => {
        return (await segments()).some((segment) => !first.includes(segment));
      });
      // The viewers' room list, served by the edge, shows the room live.
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(`${edgeUrl}/`);
        const row = page.locator('li[data-room="demo"]');
        await row.locator('[data-state="live"]').waitFor({ timeout: 15_000 });
        assert.match(await row.textContent() ?? '', /Demo room\s+LIVE\s+\d+ viewers?/);
      } finally {
        await browser.close();
      }
    } catch (error) {
      await run.stop();
      throw error;
    }

    // Ctrl-C: the demo stops its collector, encoder (nginx, ffmpeg) and edge, and exits 0.
    const exited = new Promise<number | null>((resolve) => run.child.once('exit', resolve));
    run.child.kill('SIGINT');
    assert.equal(await exited, 0, run.output().slice(-2000));
    await sleep(500);
    assert.deepEqual(await demoChildren(), [], 'nothing the demo started is left running');
  });
}
