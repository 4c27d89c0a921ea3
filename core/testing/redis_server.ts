// A throwaway real redis-server for tests: loopback only, a free port, no persistence,
// its own temp directory, and stopped (and the directory removed) by `stop()`.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './net.ts';
import { startProcess } from './process.ts';

export interface TestRedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Stops the server for sure and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

export async function startRedisServer(
  options: { binary?: string; password?: string } = {},
): Promise<TestRedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-redis-'));
  const port = await freePort();
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
  return { url: `redis://127.0.0.1:${port}`, port, stop: () => server.stop() };
}
