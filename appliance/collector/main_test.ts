// When the collector tells systemd it is ready (the pipeline plays, as the status API
// reports it) and the STATUS lines that follow its state.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectorStatusLine, reportCollectorReadiness } from './main.ts';
import type { CollectorStatus } from './status.ts';

const URL = 'http://127.0.0.1:8090';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function statusOf(changes: {
  worker?: Partial<CollectorStatus['worker']>;
  uplink?: Partial<CollectorStatus['uplink']>;
  recording?: Partial<CollectorStatus['recording']>;
  input?: CollectorStatus['input'];
  onAir?: boolean;
} = {}): CollectorStatus {
  return {
    nodeId: 'collector-1',
    room: 'hall',
    state: 'starting',
    onAir: changes.onAir ?? false,
    worker: {
      state: 'starting',
      pid: 10,
      restarts: 0,
      lastError: null,
      lastMessageAt: null,
      ...changes.worker,
    },
    input: changes.input ?? { present: false, format: null },
    audio: { levels: [], warnings: { silence: false, clipping: false, silentSeconds: 0 } },
    uplink: {
      state: 'idle',
      bitrateKbps: 0,
      reconnects: 0,
      lastFailureAt: null,
      lastFailure: null,
      encoderNodeId: null,
      target: null,
      ...changes.uplink,
    },
    recording: {
      active: false,
      dir: '/var/lib/roomcast/collector/recordings/hall',
      currentFile: null,
      startedAt: null,
      seconds: 0,
      diskFreeMb: 1000,
      lowDisk: false,
      rotatedFiles: 0,
      ...changes.recording,
    },
    preview: { updatedAt: null },
    at: '2026-11-21T09:00:00.000Z',
  };
}

test('READY=1 only once the worker plays; STATUS follows restarts and the uplink', async () => {
  let current = statusOf();
  const sent: string[] = [];
  const readiness = reportCollectorReadiness({
    collector: { status: () => current, statusUrl: URL },
    notify: {
      ready: (s) => (sent.push(`ready: ${s}`), Promise.resolve()),
      status: (s) => (sent.push(`status: ${s}`), Promise.resolve()),
    },
    pollMs: 10,
  });
  await sleep(40);
  assert.deepEqual(sent, [`status: starting the capture pipeline; status page ${URL}`]);

  current = statusOf({
    worker: { state: 'restarting', restarts: 1, lastError: 'no signal on /dev/video0' },
  });
  await sleep(40);
  assert.equal(
    sent.at(-1),
    `status: capture pipeline restarting (1 so far): no signal on /dev/video0; status page ${URL}`,
  );
  assert.ok(sent.every((line) => !line.startsWith('ready')), 'not ready while restarting');

  const playing = {
    worker: { state: 'running' as const, restarts: 1 },
    input: { present: true, format: 'test pattern 320x180 30p' },
    recording: { active: true },
    uplink: { state: 'connecting' as const },
  };
  current = statusOf(playing);
  await sleep(40);
  assert.equal(
    sent.at(-1),
    `ready: pipeline playing, test pattern 320x180 30p; uplink connecting; recording; status page ${URL}`,
  );
  const count = sent.length;

  current = statusOf({ ...playing, uplink: { state: 'backoff' } });
  await sleep(40);
  assert.equal(sent.length, count, 'a retrying uplink is not a new STATUS each attempt');

  current = statusOf({ ...playing, uplink: { state: 'live' }, onAir: true });
  await sleep(40);
  assert.equal(
    sent.at(-1),
    `status: pipeline playing, test pattern 320x180 30p; ON AIR; recording; status page ${URL}`,
  );
  assert.equal(sent.filter((line) => line.startsWith('ready')).length, 1);

  readiness.stop();
  current = statusOf({ worker: { state: 'stopped' } });
  const before = sent.length;
  await sleep(40);
  assert.equal(sent.length, before, 'nothing after stop()');
});

test('status lines say what the crew would need to know', () => {
  assert.equal(
    collectorStatusLine(
      statusOf({
        worker: { state: 'running' },
        recording: { active: false, lowDisk: true },
        uplink: { state: 'refused' },
      }),
      URL,
    ),
    `pipeline playing, NO INPUT; uplink refused by the encoder; NOT recording (low disk); status page ${URL}`,
  );
  assert.equal(
    collectorStatusLine(statusOf({ worker: { state: 'stopped' } }), URL),
    `capture pipeline stopped; status page ${URL}`,
  );
});
