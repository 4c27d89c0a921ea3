// A real edge and encoder on loopback for end-to-end tests: `roomcast edge` and
// `roomcast encoder` processes (nginx-rtmp, ffmpeg) on free ports in a scratch directory,
// with the operator API at hand.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, NODE_PROCESS_START_MS, waitForPort } from '../../core/testing/net.ts';
import { type RunningProcess, startProcess } from '../../core/testing/process.ts';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const ROOMCAST = join(ROOT, 'bin/roomcast.js');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Stack {
  dir: string;
  ports: { edge: number; rtmp: number; http: number; agent: number };
  /** Environment of the edge and encoder processes (and a base for others). */
  env: NodeJS.ProcessEnv;
  edge: RunningProcess;
  encoder: RunningProcess;
  /** The encoder node's secret (its playback-token secret derives from it). */
  encoderSecret: string;
  edgeUrl: string;
  /** Starts the edge process again (after a test stopped `edge`) and waits for it. */
  restartEdge(): Promise<void>;
  api(method: string, path: string, body?: unknown): Promise<Response>;
  /** Like api, and asserts success; answers the JSON (as the test expects it to be). */
  // deno-lint-ignore no-explicit-any
  apiJson(method: string, path: string, body?: unknown): Promise<any>;
  /** Polls `probe` every 200 ms until it answers something truthy. */
  waitFor<T>(
    what: string,
    probe: () => Promise<T | null | undefined | false>,
    timeoutMs?: number,
  ): Promise<T>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Names the scratch directory. */
  name: string;
  /** Extra ROOMCAST_* settings of the encoder. */
  encoderEnv?: Record<string, string>;
  /** Extra ROOMCAST_* settings of the edge (and the encoder). */
  env?: Record<string, string>;
  /** More output to show when a wait times out. */
  diagnostics?: () => string;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), `roomcast-${options.name}-`));
  // Run as root, nginx's worker is nobody: it must be able to walk down to the HLS tree.
  await chmod(dir, 0o755);
  const ports = {
    edge: await freePort(),
    rtmp: await freePort(),
    http: await freePort(),
    agent: await freePort(),
  };
  const edgeUrl = `http://127.0.0.1:${ports.edge}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ROOMCAST_EDGE_LISTEN_PORT: String(ports.edge),
    ROOMCAST_EDGE_PUBLIC_URL: edgeUrl,
    ROOMCAST_EDGE_NODES_HEARTBEAT_INTERVAL_SECONDS: '1',
    ROOMCAST_EDGE_NODES_DOWN_AFTER_SECONDS: '5',
    ROOMCAST_ENCODER_EDGE_URL: edgeUrl,
    ROOMCAST_ENCODER_PUBLIC_URL: `http://127.0.0.1:${ports.http}`,
    ROOMCAST_ENCODER_RTMP_PORT: String(ports.rtmp),
    ROOMCAST_ENCODER_HTTP_PORT: String(ports.http),
    ROOMCAST_ENCODER_AGENT_PORT: String(ports.agent),
    ROOMCAST_ENCODER_WORK_DIR: join(dir, 'encoder'),
    ROOMCAST_ENCODER_HEARTBEAT_INTERVAL_SECONDS: '1',
    XDG_CONFIG_HOME: join(dir, 'xdg'),
    ...options.env,
  };

  const stack = { dir, ports, env, edgeUrl } as Stack;
  stack.api = async (method, path, body) => {
    const token = (await readFile(join(dir, 'data/edge/admin-token'), 'utf8')).trim();
    return fetch(`${edgeUrl}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  };
  stack.apiJson = async (method, path, body) => {
    const response = await stack.api(method, path, body);
    const json = await response.json();
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  stack.waitFor = async (what, probe, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      try {
        const value = await probe();
        if (value) return value;
      } catch (error) {
        lastError = error;
      }
      await sleep(200);
    }
    throw new Error(
      `timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}\n` +
        `--- encoder output ---\n${stack.encoder?.output().slice(-3000)}\n` +
        (options.diagnostics?.() ?? ''),
    );
  };

  stack.restartEdge = async () => {
    stack.edge = startProcess(process.execPath, [ROOMCAST, 'edge'], { cwd: dir, env });
    await stack.edge.whenReady(waitForPort(ports.edge, '127.0.0.1', NODE_PROCESS_START_MS));
  };
  await stack.restartEdge();
  const { secret } = await stack.apiJson('POST', '/nodes', { id: 'encoder-1', kind: 'encoder' });
  stack.encoderSecret = secret;
  stack.encoder = startProcess(process.execPath, [ROOMCAST, 'encoder'], {
    cwd: dir,
    env: { ...env, ...options.encoderEnv, ROOMCAST_ENCODER_NODE_SECRET: secret },
  });
  await stack.encoder.whenReady(
    stack.waitFor('the encoder to register and heartbeat', async () => {
      const { nodes } = await stack.apiJson('GET', '/nodes');
      return nodes.some((n: { id: string; state: string }) =>
        n.id === 'encoder-1' && n.state === 'up'
      );
    }, NODE_PROCESS_START_MS),
  );
  stack.stop = async () => {
    await stack.encoder?.stop(10_000);
    await stack.edge?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  return stack;
}
