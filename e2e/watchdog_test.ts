// The watchdog for real, on loopback: a `roomcast edge`, a `roomcast encoder` (nginx-rtmp,
// ffmpeg) and a `roomcast collector` (GStreamer test source) pushing one room to it, each
// box watched by its own `roomcast watchdog` process. Parts are made stuck the way they get
// stuck in the field, with SIGSTOP: a room's ffmpeg, the encoder agent, the collector's
// pipeline worker, the collector daemon. The watchdogs must notice, act (SIGKILL the stuck
// child, or `systemctl restart` the unit), stop after watchdog.maxRestartsPerHour and
// escalate, and say all of it to the edge, where `GET /nodes` shows it to operators.
// systemctl is a fake first on the watchdogs' PATH that logs each call (no systemd here);
// the test plays systemd's part by resuming a stopped process.
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import process from 'node:process';
import { after, before, test } from 'node:test';
import type { AgentStatus } from '../appliance/encoder/agent_status.ts';
import type { CollectorStatus } from '../appliance/collector/status.ts';
import { freePort, NODE_PROCESS_START_MS } from '../core/testing/net.ts';
import { listenNotifySocket, type NotifySocket } from '../core/testing/notify_socket.ts';
import { type RunningProcess, startProcess } from '../core/testing/process.ts';
import { collectorEnv, LIGHT_LADDER } from './support/collector.ts';
import { oneMediaFileAtATime } from './support/media_lock.ts';
import { ROOMCAST, sleep, type Stack, startStack } from './support/stack.ts';

const ROOM = 'hall';

let stack: Stack;
let collector: RunningProcess;
let encoderWatchdog: RunningProcess;
let collectorWatchdog: RunningProcess;
let notify: NotifySocket;
let statusUrl: string;
let fakeBin: string;
const secrets: string[] = [];

/** systemctl as the watchdog calls it: every call logged; every unit `active`. */
const FAKE_SYSTEMCTL = (log: string) =>
  `#!/bin/sh
echo "$*" >> '${log}'
case $1 in
  is-active) echo active ;;
  --no-block) [ "$2" = restart ] ;;
  *) echo "fake systemctl: $1 is not faked" >&2; exit 1 ;;
esac
`;

interface WatchdogView {
  state: 'ok' | 'degraded' | 'escalated';
  failing: { name: string; detail: string }[];
  actionsLastHour: number;
  lastAction: { target: string; action: string; reason: string } | null;
  escalated: { target: string; reason: string }[];
}

async function watchdogOf(nodeId: string): Promise<WatchdogView | null> {
  const { nodes } = await stack.apiJson('GET', '/nodes');
  return nodes.find((n: { id: string }) => n.id === nodeId)?.watchdog ?? null;
}

async function agentStatus(): Promise<AgentStatus> {
  const response = await fetch(`http://127.0.0.1:${stack.ports.agent}/status`);
  return await response.json() as AgentStatus;
}

async function collectorStatus(): Promise<CollectorStatus> {
  return await (await fetch(`${statusUrl}/api/status`)).json() as CollectorStatus;
}

async function systemctlCalls(): Promise<string[]> {
  const text = await readFile(join(fakeBin, 'systemctl.log'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean);
}

function startWatchdog(kind: 'encoder' | 'collector', env: NodeJS.ProcessEnv): RunningProcess {
  return startProcess(process.execPath, [ROOMCAST, 'watchdog', kind], {
    cwd: stack.dir,
    env: {
      ...env,
      PATH: `${fakeBin}:${process.env.PATH}`,
      ROOMCAST_WATCHDOG_CHECK_INTERVAL_SECONDS: '1',
      // 2 × 2 s: within the agent's own stall limit (3 × 2 s), so the watchdog acts first.
      ROOMCAST_WATCHDOG_STALE_AFTER_TARGET_DURATIONS: '2',
      ROOMCAST_WATCHDOG_MAX_RESTARTS_PER_HOUR: '1',
    },
  });
}

const watchdogOutput = () =>
  `--- encoder watchdog ---\n${encoderWatchdog?.output().slice(-3000)}\n` +
  `--- collector watchdog ---\n${collectorWatchdog?.output().slice(-3000)}\n` +
  `--- collector ---\n${collector?.output().slice(-2000)}`;

oneMediaFileAtATime();

before(async () => {
  stack = await startStack({ name: 'watchdog-e2e', diagnostics: watchdogOutput });
  fakeBin = join(stack.dir, 'fake-bin');
  await mkdir(fakeBin);
  await writeFile(join(fakeBin, 'systemctl'), FAKE_SYSTEMCTL(join(fakeBin, 'systemctl.log')));
  await chmod(join(fakeBin, 'systemctl'), 0o755);
  secrets.push(stack.encoderSecret);

  await stack.apiJson('POST', '/events', { id: 'conf', title: 'Conference' });
  const room = await stack.apiJson('POST', '/rooms', {
    id: ROOM,
    title: 'Main hall',
    eventId: 'conf',
    ladder: LIGHT_LADDER,
  });
  secrets.push(room.streamKey.key);
  const { secret } = await stack.apiJson('POST', '/nodes', {
    id: 'collector-1',
    kind: 'collector',
  });
  secrets.push(secret);

  // The encoder's watchdog starts first, under a notify socket: READY=1 after its first round.
  notify = await listenNotifySocket();
  encoderWatchdog = startWatchdog('encoder', {
    ...stack.env,
    ROOMCAST_ENCODER_NODE_SECRET: stack.encoderSecret,
    NOTIFY_SOCKET: notify.address,
  });

  const statusPort = await freePort();
  statusUrl = `http://127.0.0.1:${statusPort}`;
  const env = collectorEnv(stack, {
    nodeId: 'collector-1',
    nodeSecret: secret,
    room: ROOM,
    statusPort,
    recordingDir: join(stack.dir, 'recordings'),
  });
  collector = startProcess(process.execPath, [ROOMCAST, 'collector'], {
    cwd: stack.dir,
    env: { ...env, ROOMCAST_COLLECTOR_STREAM_KEY: room.streamKey.key },
  });
  await collector.whenReady(
    stack.waitFor(
      'the collector to go live',
      async () => (await collectorStatus()).onAir,
      NODE_PROCESS_START_MS,
    ),
  );
  collectorWatchdog = startWatchdog('collector', env);
});

after(async () => {
  // Nothing may stay stopped, or stopping it would hang.
  for (const child of [stack?.encoder, collector]) {
    if (child?.child.pid) process.kill(child.child.pid, 'SIGCONT');
  }
  await encoderWatchdog?.stop(5000);
  await collectorWatchdog?.stop(5000);
  await collector?.stop(5000);
  await notify?.close();
  await stack?.stop();
});

test('ready after its first round; both boxes report ok to the edge, room included', async () => {
  const ready = await notify.waitFor('READY', '1', 30_000);
  assert.match(ready.fields.STATUS ?? '', /^ok: agent, nginx/);
  assert.equal(ready.fields.MAINPID, String(encoderWatchdog.child.pid));

  const encoder = await stack.waitFor('the encoder watchdog to see the room', async () => {
    const view = await watchdogOf('encoder-1');
    const status = await agentStatus();
    return view?.state === 'ok' && status.rooms.some((r) => r.state === 'live') ? view : null;
  }, 40_000);
  assert.deepEqual(encoder.failing, []);
  assert.equal(encoder.actionsLastHour, 0);
  const line = await notify.waitFor('STATUS', `ok: agent, nginx, room:${ROOM}`, 20_000);
  assert.ok(line);

  const col = await stack.waitFor('the collector watchdog report', async () => {
    const view = await watchdogOf('collector-1');
    return view?.state === 'ok' ? view : null;
  });
  assert.deepEqual(col.failing, []);
  assert.deepEqual(await systemctlCalls(), [], 'nothing restarted while all is well');
});

test("a stuck ffmpeg is killed by the watchdog; the agent starts a new one and the room's playlists move again", async () => {
  // Stuck once its run has written a segment: before that, the run is given time to start.
  const before = await stack.waitFor('a run that wrote its first segment', async () => {
    const status = await agentStatus();
    const room = status.rooms.find((r) => r.room === ROOM);
    if (!room?.ffmpegPid || !room.runStartedAt || !room.renditions.length) return null;
    const playlist = join(status.hlsRoot, ROOM, room.renditions[0]!, 'index.m3u8');
    return (await stat(playlist)).mtimeMs > room.runStartedAt ? room : null;
  });
  process.kill(before.ffmpegPid!, 'SIGSTOP');

  const view = await stack.waitFor('the watchdog to kill the stuck ffmpeg', async () => {
    const seen = await watchdogOf('encoder-1');
    return seen?.lastAction?.action === 'killed-ffmpeg' ? seen : null;
  });
  assert.equal(view.lastAction!.target, `room:${ROOM}`);
  assert.match(view.lastAction!.reason, /^no new segment: .* \(limit 4 s\)$/);
  assert.doesNotMatch(
    stack.encoder.output(),
    /ffmpeg stalled/,
    'the watchdog acted, not the agent',
  );

  const after = await stack.waitFor('a new ffmpeg', async () => {
    const room = (await agentStatus()).rooms.find((r) => r.room === ROOM);
    return room?.ffmpegPid && room.ffmpegPid !== before.ffmpegPid ? room : null;
  });
  await stack.waitFor(
    'the encoder watchdog to be ok again',
    async () => (await watchdogOf('encoder-1'))?.state === 'ok',
    40_000,
  );
  const playlist = join((await agentStatus()).hlsRoot, ROOM, after.renditions[0]!, 'index.m3u8');
  const first = await readFile(playlist, 'utf8');
  await stack.waitFor(
    'a new segment listed',
    async () => (await readFile(playlist, 'utf8')) !== first,
  );
});

test('a wedged agent gets its unit restarted (after three unanswered rounds)', async () => {
  const { pid } = await agentStatus();
  assert.equal(pid, stack.encoder.child.pid, 'the agent runs in the process the test started');
  process.kill(pid, 'SIGSTOP');
  try {
    const view = await stack.waitFor('the watchdog to restart the encoder unit', async () => {
      const seen = await watchdogOf('encoder-1');
      return seen?.lastAction?.action === 'restarted-unit' ? seen : null;
    });
    assert.equal(view.lastAction!.target, 'roomcast-encoder');
    assert.match(view.lastAction!.reason, /^the agent's status: no answer within 2 s$/);
    assert.deepEqual(await systemctlCalls(), [
      'is-active roomcast-encoder.service',
      '--no-block restart roomcast-encoder.service',
    ]);
  } finally {
    process.kill(pid, 'SIGCONT'); // what the restart would have ended
  }
  await stack.waitFor(
    'the encoder watchdog to be ok again',
    async () => (await watchdogOf('encoder-1'))?.state === 'ok',
    40_000,
  );
});

test('the same failure again, past maxRestartsPerHour: escalated, not restarted', async () => {
  const calls = (await systemctlCalls()).length;
  const { pid } = await agentStatus();
  process.kill(pid, 'SIGSTOP');
  try {
    const view = await stack.waitFor('the encoder watchdog to escalate', async () => {
      const seen = await watchdogOf('encoder-1');
      return seen?.state === 'escalated' ? seen : null;
    });
    assert.deepEqual(view.escalated.map((e) => e.target), ['roomcast-encoder']);
    assert.match(
      view.escalated[0]!.reason,
      /^1 restart\(s\) in the last hour did not help: the agent's status: no answer/,
    );
    assert.deepEqual(view.failing.map((f) => f.name), ['agent']);
    await sleep(3000);
    assert.equal((await systemctlCalls()).length, calls, 'no further restart');
    assert.equal((await watchdogOf('encoder-1'))?.state, 'escalated', 'it stays escalated');
    assert.match(encoderWatchdog.output(), /escalating: stopped restarting, a person is needed/);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  const recovered = await stack.waitFor(
    'the escalation to clear once the agent answers',
    async () => {
      const seen = await watchdogOf('encoder-1');
      return seen?.state === 'ok' ? seen : null;
    },
    40_000,
  );
  assert.deepEqual(recovered.escalated, []);
  assert.equal(recovered.actionsLastHour, 2, 'what it did this hour is still reported');
});

test('a silent pipeline worker is killed; the collector starts a new one and plays on', async () => {
  const before = await collectorStatus();
  assert.equal(before.worker.state, 'running');
  assert.ok(before.worker.pid);
  process.kill(before.worker.pid, 'SIGSTOP');

  const view = await stack.waitFor('the watchdog to kill the silent worker', async () => {
    const seen = await watchdogOf('collector-1');
    return seen?.lastAction?.action === 'killed-worker' ? seen : null;
  });
  assert.equal(view.lastAction!.target, 'pipeline');
  assert.match(
    view.lastAction!.reason,
    /^the pipeline worker has said nothing for [\d.]+ s \(limit 4 s\)$/,
  );
  const after = await stack.waitFor('a new worker playing', async () => {
    const status = await collectorStatus();
    return status.worker.state === 'running' && status.worker.pid !== before.worker.pid
      ? status
      : null;
  }, 40_000);
  assert.equal(after.worker.restarts, before.worker.restarts + 1);
  assert.match(after.worker.lastError ?? '', /SIGKILL/);
  await stack.waitFor(
    'the collector on air again',
    async () => (await collectorStatus()).onAir,
    40_000,
  );
});

test('a wedged collector daemon gets its unit restarted', async () => {
  const pid = collector.child.pid!;
  process.kill(pid, 'SIGSTOP');
  try {
    await stack.waitFor(
      'a restart of the collector unit',
      async () =>
        (await systemctlCalls()).includes('--no-block restart roomcast-collector.service'),
    );
    const view = await stack.waitFor('the report of it', async () => {
      const seen = await watchdogOf('collector-1');
      return seen?.lastAction?.action === 'restarted-unit' ? seen : null;
    });
    assert.equal(view.lastAction!.target, 'roomcast-collector');
    assert.match(view.lastAction!.reason, /^the collector's status: no answer within 2 s$/);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await stack.waitFor(
    'the collector watchdog ok again',
    async () => (await watchdogOf('collector-1'))?.state === 'ok',
    40_000,
  );
});

test('SIGTERM stops a watchdog cleanly; no secret in its output or argv', async () => {
  for (const watchdog of [encoderWatchdog, collectorWatchdog]) {
    const argv = await readFile(`/proc/${watchdog.child.pid}/cmdline`, 'utf8');
    for (const secret of secrets) assert.ok(!argv.includes(secret), 'no secret in argv');
  }
  await encoderWatchdog.stop(10_000);
  assert.equal(encoderWatchdog.child.exitCode, 0, encoderWatchdog.output());
  const stopping = await notify.waitFor('STOPPING', '1', 5000);
  assert.match(stopping.fields.STATUS ?? '', /^SIGTERM: stopping/);
  await collectorWatchdog.stop(10_000);
  assert.equal(collectorWatchdog.child.exitCode, 0, collectorWatchdog.output());
  for (const output of [encoderWatchdog.output(), collectorWatchdog.output()]) {
    for (const secret of secrets) assert.ok(!output.includes(secret), 'no secret in the output');
  }
});
