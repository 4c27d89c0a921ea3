// Readiness for systemd, for real: `roomcast edge`, `roomcast encoder` and `roomcast
// collector` processes started with NOTIFY_SOCKET pointing at a datagram socket this test
// reads (as systemd would; core/testing/notify_socket.ts). READY=1 may only arrive once the
// process works — the edge's port accepts, nginx answers RTMP and HTTP and the node is
// registered (or the edge is away and the grace period is over), the collector's status
// API reports the pipeline playing — and STOPPING=1 when SIGTERM comes. Without
// NOTIFY_SOCKET the same processes run and stop as before.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, NODE_PROCESS_START_MS, waitForPort } from '../core/testing/net.ts';
import {
  listenNotifySocket,
  type Notification,
  type NotifySocket,
} from '../core/testing/notify_socket.ts';
import { type RunningProcess, startProcess } from '../core/testing/process.ts';
import type { CollectorStatus } from '../appliance/collector/status.ts';
import { REGISTRATION_GRACE_MS } from '../appliance/encoder/main.ts';
import { oneMediaFileAtATime } from './support/media_lock.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const ROOMCAST = join(ROOT, 'bin/roomcast.js');

let dir: string;
let edgePort: number;
let edgeUrl: string;
let baseEnv: NodeJS.ProcessEnv;
let edge: RunningProcess | undefined;
const sockets: NotifySocket[] = [];
const running: RunningProcess[] = [];

/** One connection attempt, no retries: does something accept on the port right now? */
function acceptsNow(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function notifySocket(abstract = false): Promise<NotifySocket> {
  const socket = await listenNotifySocket({ abstract });
  sockets.push(socket);
  return socket;
}

function start(command: string, env: NodeJS.ProcessEnv): RunningProcess {
  const child = startProcess(process.execPath, [ROOMCAST, command], { cwd: dir, env });
  running.push(child);
  return child;
}

/** SIGTERM; the process must say STOPPING=1 (when it has a socket) and exit 0. */
async function stopCleanly(child: RunningProcess, socket?: NotifySocket): Promise<void> {
  await child.stop(20_000);
  assert.equal(child.child.exitCode, 0, `clean exit after SIGTERM\n${child.output()}`);
  if (!socket) return;
  const stopping = await socket.waitFor('STOPPING', '1', 5000);
  assert.match(stopping.fields.STATUS ?? '', /^SIGTERM: stopping/);
  const afterStopping = socket.notifications().filter((n) => n.at > stopping.at);
  assert.deepEqual(afterStopping, [], 'nothing after STOPPING=1');
}

/** READY=1 exactly once, and every notification names the process as MAINPID. */
function checkOneReady(socket: NotifySocket, child: RunningProcess): void {
  const all = socket.notifications();
  assert.equal(all.filter((n) => n.fields.READY === '1').length, 1, JSON.stringify(all));
  for (const n of all) assert.equal(n.fields.MAINPID, String(child.child.pid));
}

async function startEdge(env: NodeJS.ProcessEnv = baseEnv): Promise<RunningProcess> {
  edge = start('edge', env);
  await edge.whenReady(waitForPort(edgePort, '127.0.0.1', NODE_PROCESS_START_MS));
  return edge;
}

async function api(method: string, path: string, body?: unknown) {
  const token = (await readFile(join(dir, 'data/edge/admin-token'), 'utf8')).trim();
  const response = await fetch(`${edgeUrl}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** The environment of a running process, as /proc has it. */
async function environOf(pid: number): Promise<string[]> {
  return (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
}

oneMediaFileAtATime();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomcast-systemd-'));
  // Run as root, nginx's worker is nobody: it must be able to walk down to the HLS tree.
  await chmod(dir, 0o755);
  edgePort = await freePort();
  edgeUrl = `http://127.0.0.1:${edgePort}`;
  baseEnv = {
    ...process.env,
    ROOMCAST_EDGE_LISTEN_PORT: String(edgePort),
    ROOMCAST_EDGE_PUBLIC_URL: edgeUrl,
    ROOMCAST_EDGE_NODES_HEARTBEAT_INTERVAL_SECONDS: '1',
    ROOMCAST_EDGE_NODES_DOWN_AFTER_SECONDS: '5',
    XDG_CONFIG_HOME: join(dir, 'xdg'),
  };
  delete baseEnv.NOTIFY_SOCKET;
});

after(async () => {
  for (const child of running) await child.stop(5000);
  for (const socket of sockets) await socket.close();
  await rm(dir, { recursive: true, force: true });
});

test('edge: READY=1 once its HTTP port accepts; STOPPING=1 on SIGTERM', async () => {
  const socket = await notifySocket();
  const child = start('edge', { ...baseEnv, NOTIFY_SOCKET: socket.address });
  const ready = await socket.waitFor('READY', '1', 30_000);
  assert.ok(await acceptsNow(edgePort), 'the port accepts when READY=1 arrives');
  assert.equal(ready.fields.STATUS, `listening on http://127.0.0.1:${edgePort}`);
  const health = await (await fetch(`${edgeUrl}/api/v1/health`)).json();
  assert.equal(health.ok, true);
  checkOneReady(socket, child);
  await stopCleanly(child, socket);
});

test('edge without NOTIFY_SOCKET: runs and stops as before, says nothing about systemd', async () => {
  const socket = await notifySocket();
  const child = await startEdge();
  assert.equal((await (await fetch(`${edgeUrl}/api/v1/health`)).json()).ok, true);
  await stopCleanly(child);
  assert.doesNotMatch(child.output(), /notify|systemd/i);
  assert.deepEqual(socket.notifications(), []);
});

interface EncoderRun {
  child: RunningProcess;
  socket: NotifySocket;
  ports: { rtmp: number; http: number };
  workDir: string;
}

let encoderSecret: string;

async function startEncoder(name: string): Promise<EncoderRun> {
  const socket = await notifySocket();
  const ports = { rtmp: await freePort(), http: await freePort() };
  const workDir = join(dir, name);
  const child = start('encoder', {
    ...baseEnv,
    NOTIFY_SOCKET: socket.address,
    ROOMCAST_ENCODER_EDGE_URL: edgeUrl,
    ROOMCAST_ENCODER_NODE_SECRET: encoderSecret,
    ROOMCAST_ENCODER_PUBLIC_URL: `http://127.0.0.1:${ports.http}`,
    ROOMCAST_ENCODER_RTMP_PORT: String(ports.rtmp),
    ROOMCAST_ENCODER_HTTP_PORT: String(ports.http),
    ROOMCAST_ENCODER_AGENT_PORT: String(await freePort()),
    ROOMCAST_ENCODER_WORK_DIR: workDir,
    ROOMCAST_ENCODER_HEARTBEAT_INTERVAL_SECONDS: '1',
  });
  return { child, socket, ports, workDir };
}

/** The first notification whose STATUS matches, received or still to come. */
async function waitForStatus(
  socket: NotifySocket,
  pattern: RegExp,
  timeoutMs: number,
): Promise<Notification> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = socket.notifications().find((n) => pattern.test(n.fields.STATUS ?? ''));
    if (found) return found;
    assert.ok(
      Date.now() < deadline,
      `no STATUS ${pattern}: ${JSON.stringify(socket.notifications().map((n) => n.fields))}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** At READY=1: nginx answers HTTP, accepts RTMP, and its children did not get the socket. */
async function checkNginxWorks(run: EncoderRun): Promise<void> {
  const hls = await fetch(`http://127.0.0.1:${run.ports.http}/hls/nothing/index.m3u8`);
  await hls.body?.cancel();
  assert.ok([401, 403, 404].includes(hls.status), `nginx answers HTTP (${hls.status})`);
  assert.ok(await acceptsNow(run.ports.rtmp), 'nginx accepts RTMP');
  const nginxPid = Number((await readFile(join(run.workDir, 'nginx/nginx.pid'), 'utf8')).trim());
  assert.ok(
    !(await environOf(nginxPid)).some((e) => e.startsWith('NOTIFY_SOCKET=')),
    'nginx does not inherit NOTIFY_SOCKET',
  );
}

test('encoder: READY=1 once nginx answers and the node is registered with the edge', async () => {
  await startEdge();
  ({ secret: encoderSecret } = await api('POST', '/nodes', { id: 'encoder-1', kind: 'encoder' }));
  const run = await startEncoder('encoder-a');
  const ready = await run.socket.waitFor('READY', '1', 60_000);
  await checkNginxWorks(run);
  const { nodes } = await api('GET', '/nodes');
  const node = nodes.find((n: { id: string }) => n.id === 'encoder-1');
  assert.notEqual(node.state, 'new', 'the edge has its registration');
  assert.match(ready.fields.STATUS ?? '', /^nginx up \(RTMP .*\); registered with the edge/);
  const before = run.socket.notifications().filter((n) => n.at <= ready.at && n !== ready);
  assert.deepEqual(before.map((n: Notification) => n.fields.STATUS?.replace(/\(.*\)/, '()')), [
    'starting nginx',
    `nginx up (); registering with the edge ${edgeUrl}`,
  ]);
  checkOneReady(run.socket, run.child);
  await stopCleanly(run.child, run.socket);
});

test('encoder with the edge away: READY=1 after the grace period, saying it waits; registered once the edge is back', async () => {
  await stopCleanly(edge!);
  const run = await startEncoder('encoder-b');
  const nginxUp = await waitForStatus(run.socket, /^nginx up .*; registering/, 60_000);
  const ready = await run.socket.waitFor('READY', '1', REGISTRATION_GRACE_MS + 30_000);
  assert.ok(
    ready.at - nginxUp.at >= REGISTRATION_GRACE_MS - 1000,
    `READY=1 ${ready.at - nginxUp.at} ms after nginx was up`,
  );
  assert.match(ready.fields.STATUS ?? '', /waiting for the edge .*new publishes are refused/);
  await checkNginxWorks(run);

  await startEdge();
  const registered = await waitForStatus(run.socket, /registered with the edge/, 30_000);
  assert.ok(registered.at > ready.at);
  checkOneReady(run.socket, run.child);
  await stopCleanly(run.child, run.socket);
  await stopCleanly(edge!);
});

test('collector (abstract socket): READY=1 once its status API reports the pipeline playing', async () => {
  const socket = await notifySocket(true);
  const statusPort = await freePort();
  const recordingDir = join(dir, 'recordings');
  // No node secret: no edge, no uplink; the box records locally and shows its page.
  const child = start('collector', {
    ...baseEnv,
    NOTIFY_SOCKET: socket.address,
    ROOMCAST_COLLECTOR_ROOM: 'hall',
    ROOMCAST_COLLECTOR_OUTPUT_WIDTH: '320',
    ROOMCAST_COLLECTOR_OUTPUT_HEIGHT: '180',
    ROOMCAST_COLLECTOR_OUTPUT_FPS: '15',
    ROOMCAST_COLLECTOR_OUTPUT_VIDEO_KBPS: '300',
    ROOMCAST_COLLECTOR_OUTPUT_AUDIO_KBPS: '64',
    ROOMCAST_COLLECTOR_OUTPUT_PRESET: 'ultrafast',
    ROOMCAST_COLLECTOR_RECORDING_DIR: recordingDir,
    ROOMCAST_COLLECTOR_RECORDING_VIDEO_KBPS: '400',
    ROOMCAST_COLLECTOR_RECORDING_MIN_FREE_MB: '0',
    ROOMCAST_COLLECTOR_RECORDING_PAUSE_BELOW_MB: '0',
    ROOMCAST_COLLECTOR_STATUS_PORT: String(statusPort),
  });
  const ready = await socket.waitFor('READY', '1', 90_000);
  const response = await fetch(`http://127.0.0.1:${statusPort}/api/status`);
  assert.equal(response.status, 200, 'the status page answers when READY=1 arrives');
  const status = await response.json() as CollectorStatus;
  assert.equal(status.worker.state, 'running', 'the pipeline plays when READY=1 arrives');
  assert.match(ready.fields.STATUS ?? '', /^pipeline playing, .*; no uplink; .*status page http/);
  assert.equal(
    socket.notifications()[0]?.fields.STATUS,
    'starting the capture pipeline (test source)',
  );
  assert.ok(
    !(await environOf(status.worker.pid!)).some((e) => e.startsWith('NOTIFY_SOCKET=')),
    'the pipeline worker does not inherit NOTIFY_SOCKET',
  );
  checkOneReady(socket, child);
  await stopCleanly(child, socket);
  assert.equal((await readdir(join(recordingDir, 'hall'))).length > 0, true, 'it recorded');
});
