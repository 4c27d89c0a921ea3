import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import type { Systemctl } from './box_probes.ts';
import { killChildRemedy, restartUnitRemedy } from './remedies.ts';

function fakeSystemctl(state: string): Systemctl & { restarted: string[] } {
  const restarted: string[] = [];
  return {
    restarted,
    activeState: () => Promise.resolve(state),
    restart: (unit) => {
      restarted.push(unit);
      return Promise.resolve();
    },
  };
}

test('a unit is restarted only while systemd says it is active', async () => {
  const active = fakeSystemctl('active');
  const remedy = restartUnitRemedy({
    systemctl: active,
    unit: 'roomcast-encoder.service',
    afterFailures: 3,
  });
  assert.equal(remedy.target, 'roomcast-encoder');
  assert.equal(await remedy.apply(), null);
  assert.deepEqual(active.restarted, ['roomcast-encoder.service']);

  for (const state of ['activating', 'inactive', 'failed', 'deactivating']) {
    const other = fakeSystemctl(state);
    const skipped = await restartUnitRemedy({
      systemctl: other,
      unit: 'roomcast-encoder.service',
      afterFailures: 3,
    }).apply();
    assert.equal(skipped, `roomcast-encoder.service is ${state}: left to systemd`);
    assert.deepEqual(other.restarted, []);
  }
});

test('a child is killed only while its pid is still that command under that parent', async () => {
  const child = spawn('sleep', ['30']);
  const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  try {
    const pid = child.pid!;
    const wrongParent = killChildRemedy({
      target: 'room:a',
      action: 'killed-ffmpeg',
      pid,
      identity: { commandIncludes: 'sleep', parentPid: 1 },
    });
    assert.equal(await wrongParent.apply(), `pid ${pid} is no longer that process; nothing killed`);
    const wrongCommand = killChildRemedy({
      target: 'room:a',
      action: 'killed-ffmpeg',
      pid,
      identity: { commandIncludes: 'ffmpeg', parentPid: process.pid },
    });
    assert.match((await wrongCommand.apply())!, /no longer that process/);
    assert.equal(child.exitCode, null, 'still running');

    const right = killChildRemedy({
      target: 'room:a',
      action: 'killed-ffmpeg',
      pid,
      identity: { commandIncludes: 'sleep', parentPid: process.pid },
    });
    assert.equal(await right.apply(), null);
    assert.equal(await exited, 'SIGKILL');
  } finally {
    child.kill('SIGKILL');
  }
});
