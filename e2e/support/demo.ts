// `roomcast demo` as a test starts it: private ports, a private directory and a small
// picture, since the demo shares a 2-core CI machine with the other media tests.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../core/testing/net.ts';
import { type RunningProcess, startProcess } from '../../core/testing/process.ts';
import { ROOMCAST, sleep } from './stack.ts';

export interface DemoSetup {
  dir: string;
  env: NodeJS.ProcessEnv;
  edgeUrl: string;
  statusUrl: string;
}

export async function prepareDemo(extraEnv: NodeJS.ProcessEnv = {}): Promise<DemoSetup> {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-demo-e2e-'));
  const ports = {
    edge: await freePort(),
    rtmp: await freePort(),
    http: await freePort(),
    agent: await freePort(),
    status: await freePort(),
  };
  const edgeUrl = `http://127.0.0.1:${ports.edge}`;
  return {
    dir,
    edgeUrl,
    statusUrl: `http://127.0.0.1:${ports.status}`,
    env: {
      ...process.env,
      ROOMCAST_EDGE_LISTEN_PORT: String(ports.edge),
      ROOMCAST_EDGE_PUBLIC_URL: edgeUrl,
      ROOMCAST_ENCODER_PUBLIC_URL: `http://127.0.0.1:${ports.http}`,
      ROOMCAST_ENCODER_RTMP_PORT: String(ports.rtmp),
      ROOMCAST_ENCODER_HTTP_PORT: String(ports.http),
      ROOMCAST_ENCODER_AGENT_PORT: String(ports.agent),
      ROOMCAST_COLLECTOR_STATUS_PORT: String(ports.status),
      ROOMCAST_COLLECTOR_OUTPUT_WIDTH: '640',
      ROOMCAST_COLLECTOR_OUTPUT_HEIGHT: '360',
      ROOMCAST_COLLECTOR_OUTPUT_VIDEO_KBPS: '800',
      ROOMCAST_COLLECTOR_RECORDING_VIDEO_KBPS: '1200',
      ROOMCAST_COLLECTOR_RECORDING_MIN_FREE_MB: '0',
      ROOMCAST_COLLECTOR_RECORDING_PAUSE_BELOW_MB: '0',
      XDG_CONFIG_HOME: join(dir, 'xdg'),
      ...extraEnv,
    },
  };
}

/** Polls `probe` until it gives a value; on timeout the error carries the demo's output. */
export async function waitFor<T>(
  what: string,
  run: RunningProcess,
  probe: () => Promise<T | null | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => null);
    if (value) return value;
    await sleep(250);
  }
  throw new Error(
    `timed out waiting for ${what}\n--- demo output ---\n${run.output().slice(-4000)}`,
  );
}

/** Starts the demo and resolves once it printed its banner. */
export async function startDemo(
  setup: DemoSetup,
  options: { withStdin?: boolean } = {},
): Promise<RunningProcess> {
  const run = startProcess(process.execPath, [ROOMCAST, 'demo'], {
    cwd: setup.dir,
    env: setup.env,
    withStdin: options.withStdin,
  });
  await run.whenReady(
    waitFor(
      'the demo banner',
      run,
      () => Promise.resolve(run.output().includes('demo is running')),
    ),
  );
  return run;
}

/** What the README promises a newcomer: the room is live this soon after the banner. */
export const LIVE_AFTER_BANNER_MS = 15_000;

/** Resolves with the demo room's public detail once it is live (call it after the banner). */
export function demoRoomLive(setup: DemoSetup, run: RunningProcess) {
  return waitFor('the demo room to be live', run, async () => {
    const body = await (await fetch(`${setup.edgeUrl}/api/v1/public/rooms/demo`)).json();
    return body.state === 'live' ? body : null;
  }, LIVE_AFTER_BANNER_MS);
}
