import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createMemoryLogger } from '../../core/log.ts';
import type { WorkerMessage } from './worker_protocol.ts';
import { startWorkerSupervisor } from './worker_supervisor.ts';

// A stand-in worker: says it plays, dies when told to, exits cleanly on stop. The real
// worker's restart under kill -9 is proven in e2e/collector_test.ts.
const FAKE_WORKER = `
process.on('message', (message) => {
  if (message.type === 'start') process.send({ type: 'playing', startedAt: 'x', clockEpoch: 'x' });
  if (message.type === 'recording') process.exit(3);
  if (message.type === 'stop') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
`;

let dir: string;
let entry: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomcast-supervisor-'));
  entry = join(dir, 'fake_worker.mjs');
  await writeFile(entry, FAKE_WORKER);
});
after(() => rm(dir, { recursive: true, force: true }));

function waitUntil(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(check, 20);
    };
    check();
  });
}

test('a crashed worker is restarted with a fresh start; a requested stop is final', async () => {
  const log = createMemoryLogger('collector');
  let starts = 0;
  const messages: WorkerMessage[] = [];
  const exits: Array<[string, boolean]> = [];
  const supervisor = startWorkerSupervisor({
    log,
    entry,
    startMessage: () => (starts += 1, {
      type: 'start',
      alignToSecond: false,
      plan: {} as never,
    }),
    onMessage: (message) => {
      messages.push(message);
      if (message.type === 'playing') supervisor.markRunning();
    },
    onExit: (reason, expected) => exits.push([reason, expected]),
  });
  await waitUntil(() => supervisor.state() === 'running', 'the worker to play');
  const firstPid = supervisor.pid();
  supervisor.send({ type: 'recording', paused: true }); // the fake crashes with code 3
  await waitUntil(() => exits.length === 1, 'the crash');
  assert.deepEqual(exits[0], ['exited with code 3', false]);
  assert.equal(supervisor.state(), 'restarting');
  await waitUntil(() => supervisor.state() === 'running', 'the new worker to play');
  assert.notEqual(supervisor.pid(), firstPid);
  assert.equal(supervisor.restarts(), 1);
  assert.equal(messages.filter((m) => m.type === 'playing').length, 2);
  assert.equal(starts, 2, 'each worker got its own start message');
  assert.ok(log.lines.some((line) => line.includes('pipeline worker stopped; restarting it')));
  await supervisor.stop();
  assert.deepEqual(exits[1], ['exited with code 0', true]);
  assert.equal(supervisor.pid(), null);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal(exits.length, 2, 'no restart after a requested stop');
  assert.equal(supervisor.state(), 'stopped');
});
