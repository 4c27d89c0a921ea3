// A throwaway real redis-server for tests: loopback only, a free port, no persistence,
// its own temp directory, and stopped (and the directory removed) by `stop()`.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './net.ts';
import { type RunningProcess, startProcess } from './process.ts';

export interface TestRedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /**
   * Stops the server and starts a new one on the same port (so `url` stays valid), empty:
   * without persistence a restart loses every key, as a crashed cache would. Resolves
   * once the new one accepts connections.
   */
  restart(): Promise<void>;
  /** Stops the server for sure and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

export async function startRedisServer(
  options: { binary?: string; password?: string } = {},
): Promise<TestRedisServer> {
  const port = await freePort();
  const launch = async (): Promise<RunningProcess> => {
    // A fresh directory per run: nothing in it outlives a run anyway.
    const dir = await mkdtemp(join(tmpdir(), 'roomcast-redis-'));
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      // No RDB snapshots and no AOF: tests must leave nothing behind.
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ];
    if (options.password) args.push('--requirepass', options.password);
    const server = startProcess(options.binary ?? '/usr/bin/redis-server', args, {
      removeOnStop: dir,
    });
    await server.whenReady(waitForPort(port));
    return server;
  };

  let current = await launch();
  let stopped = false;
  // Restarts and the final stop run one after the other, never over each other.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = (step: () => Promise<void>): Promise<void> => {
    const run = queue.then(step);
    queue = run.catch(() => {});
    return run;
  };

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    restart: () =>
      serially(async () => {
        if (stopped) throw new Error('the test redis-server was stopped; it cannot restart');
        await current.stop();
        // redis-server binds with SO_REUSEADDR, so the port is free again at once; only
        // another program grabbing it in this instant could make the new run fail.
        current = await launch();
      }),
    stop: () =>
      serially(async () => {
        stopped = true;
        await current.stop();
      }),
  };
}
