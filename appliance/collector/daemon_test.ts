// The daemon with its real pipeline worker (GStreamer through node-gtk) and no edge at all:
// a box set up before the network, or without a node secret, still records and shows its
// page; a disk that fills up pauses the recording and says so, and never crashes anything.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { configSchema } from '../../core/config/schema.ts';
import { createMemoryLogger } from '../../core/log.ts';
import { freePort } from '../../core/testing/net.ts';
import { type Collector, startCollector } from './daemon.ts';
import type { CollectorStatus } from './status.ts';

const MB = 1024 * 1024;
let dir: string;
let collector: Collector;
let freeMb = 50_000;
const log = createMemoryLogger('collector');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function status(): Promise<CollectorStatus> {
  const response = await fetch(`${collector.statusUrl}/api/status`);
  assert.equal(response.status, 200);
  return await response.json() as CollectorStatus;
}

async function waitFor<T>(what: string, probe: () => Promise<T | false | null>): Promise<T> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}\n${log.lines.slice(-30).join('\n')}`);
}

async function recordedBytes(): Promise<number> {
  const roomDir = join(dir, 'recordings', 'lobby');
  let total = 0;
  for (const name of await readdir(roomDir)) total += (await stat(join(roomDir, name))).size;
  return total;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomcast-collector-daemon-'));
  const config = configSchema.parse({
    collector: {
      room: 'lobby',
      // No node secret: nothing to tell the edge, no uplink; everything else runs.
      output: { width: 320, height: 180, videoKbps: 400 },
      recording: {
        dir: join(dir, 'recordings'),
        segmentSeconds: 2,
        videoKbps: 600,
        minFreeMb: 1000,
        pauseBelowMb: 200,
        rotateOldest: false,
      },
      status: { port: await freePort() },
    },
  }).collector;
  collector = await startCollector({
    config,
    log,
    freeBytes: () => Promise.resolve(freeMb * MB),
    diskCheckMs: 200,
  });
});

after(async () => {
  await collector?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('without a node secret: recording, meters and preview run; the uplink is idle and says why', async () => {
  const now = await waitFor('the pipeline to record', async () => {
    const s = await status();
    return s.recording.active && s.audio.levels.length === 2 && s.preview.updatedAt ? s : null;
  });
  assert.equal(now.worker.state, 'running');
  assert.equal(now.state, 'offline');
  assert.equal(now.onAir, false);
  assert.equal(now.uplink.state, 'idle');
  assert.match(now.uplink.lastFailure ?? '', /no node secret configured/);
  assert.equal(now.input.format, 'test pattern 320x180 30p');
  assert.equal(now.recording.diskFreeMb, 50_000);
  assert.equal(now.recording.lowDisk, false);
});

test('a filling disk: LOW DISK below minFreeMb, recording paused below pauseBelowMb, resumed after', async () => {
  freeMb = 800;
  const low = await waitFor('low disk', async () => {
    const s = await status();
    return s.recording.lowDisk ? s : null;
  });
  assert.equal(low.recording.active, true, 'still recording above pauseBelowMb');

  freeMb = 100;
  await waitFor('the recording to pause', async () => !(await status()).recording.active);
  // Let what was already in the encoder drain, then check nothing more is written.
  await sleep(1500);
  const pausedAt = await recordedBytes();
  await sleep(2000);
  assert.equal(await recordedBytes(), pausedAt, 'nothing written while paused');
  assert.equal((await status()).worker.state, 'running', 'the pipeline kept running');

  freeMb = 50_000;
  await waitFor('the recording to resume', async () => {
    const s = await status();
    return s.recording.active && !s.recording.lowDisk;
  });
  await waitFor('new recording bytes', async () => (await recordedBytes()) > pausedAt);
  assert.ok(log.lines.some((line) => line.includes('recording paused: the disk is nearly full')));
  assert.ok(log.lines.some((line) => line.includes('recording resumed')));
  assert.equal((await status()).worker.restarts, 0, 'no crash on the way');
});
