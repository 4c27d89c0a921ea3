// A throwaway real nginx for tests: its own temp prefix directory holding the config, pid,
// logs, temp paths and any files to serve, so it runs (also as root) without touching
// /etc/nginx, /var/lib/nginx or /var/log/nginx; loopback ports picked free; stopped (and
// the prefix removed) by `stop()`. Only this nginx is ever signalled, never a system one.
//
// The config is rendered from parts so other tests can add to it: `http` is the body of
// the http block (server blocks); `main` is more top-level config (e.g. an `rtmp {}`
// block) and `modules` are `load_module` paths (e.g. /usr/lib/nginx/modules/
// ngx_rtmp_module.so). `{{port}}`, `{{prefix}}` and `{{<name>}}` for every name in `ports`
// are replaced in all of them; every port is waited for before `startNginx` resolves.
import { chmodSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, waitForPort } from './net.ts';
import { startProcess } from './process.ts';

export const NGINX_BINARY = '/usr/sbin/nginx';

export interface NginxOptions {
  /** `load_module` paths, loaded before anything else. */
  modules?: string[];
  /** More top-level config after the http block, e.g. `rtmp { … }`. */
  main?: string;
  /** Names of more free ports to pick, usable as `{{name}}` (e.g. `rtmp`). */
  ports?: string[];
  /** Files to write under the prefix before start: relative path → content. */
  files?: Record<string, string | Uint8Array>;
  /** Run a master and one worker instead of a single process (default false). */
  masterProcess?: boolean;
  binary?: string;
  timeoutMs?: number;
}

export interface TestNginx {
  /** The `{{port}}` port, where the http server blocks should listen. */
  port: number;
  /** Every picked port by name, `http` included. */
  ports: Record<string, number>;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The temp prefix directory: nginx.conf, logs/, temp/, and the written files. */
  prefix: string;
  /** nginx's stdout/stderr so far. */
  output(): string;
  /** Contents of logs/error.log so far ('' when there is none). */
  errorLog(): Promise<string>;
  /** Contents of logs/access.log so far ('' when there is none). */
  accessLog(): Promise<string>;
  /** Stops nginx for sure and removes the prefix; safe to call twice. */
  stop(): Promise<void>;
}

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{([A-Za-z][\w-]*)\}\}/g, (match, name: string) => {
    if (!(name in values)) {
      throw new Error(`nginx config uses ${match}, which is not a port or {{prefix}}`);
    }
    return String(values[name]);
  });
}

/** The complete nginx.conf: everything nginx writes goes under `prefix`. */
export function renderNginxConf(
  prefix: string,
  http: string,
  options: Pick<NginxOptions, 'modules' | 'main' | 'masterProcess'> = {},
): string {
  const p = (path: string) => JSON.stringify(join(prefix, path));
  return [
    ...(options.modules ?? []).map((path) => `load_module ${JSON.stringify(path)};`),
    'daemon off;',
    `master_process ${options.masterProcess ? 'on' : 'off'};`,
    'worker_processes 1;',
    `pid ${p('nginx.pid')};`,
    `lock_file ${p('nginx.lock')};`,
    `error_log ${p('logs/error.log')} info;`,
    'events { worker_connections 256; }',
    'http {',
    `  access_log ${p('logs/access.log')};`,
    `  client_body_temp_path ${p('temp/client_body')};`,
    `  proxy_temp_path ${p('temp/proxy')};`,
    `  fastcgi_temp_path ${p('temp/fastcgi')};`,
    `  uwsgi_temp_path ${p('temp/uwsgi')};`,
    `  scgi_temp_path ${p('temp/scgi')};`,
    '  default_type application/octet-stream;',
    '  types {',
    '    application/vnd.apple.mpegurl m3u8;',
    '    video/mp2t ts;',
    '    video/mp4 mp4 m4s;',
    '    text/html html;',
    '  }',
    http,
    '}',
    options.main ?? '',
    '',
  ].join('\n');
}

export async function startNginx(http: string, options: NginxOptions = {}): Promise<TestNginx> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const prefix = await mkdtemp(join(tmpdir(), 'roomcast-nginx-'));
  // A worker (masterProcess) runs as nobody when started by root: it must read the prefix.
  await chmod(prefix, 0o755);
  const ports: Record<string, number> = { http: await freePort() };
  for (const name of options.ports ?? []) ports[name] = await freePort();
  const values = { ...ports, port: ports.http!, prefix };

  const errorLog = () => readFile(join(prefix, 'logs/error.log'), 'utf8').catch(() => '');
  const accessLog = () => readFile(join(prefix, 'logs/access.log'), 'utf8').catch(() => '');

  let server: ReturnType<typeof startProcess>;
  try {
    await mkdir(join(prefix, 'logs'));
    await mkdir(join(prefix, 'temp'));
    for (const [path, content] of Object.entries(options.files ?? {})) {
      const target = join(prefix, path);
      if (!target.startsWith(prefix + '/')) throw new Error(`file ${path} is outside the prefix`);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
      chmodSync(target, 0o644);
    }
    const conf = renderNginxConf(prefix, fill(http, values), {
      ...options,
      main: options.main === undefined ? undefined : fill(options.main, values),
    });
    await writeFile(join(prefix, 'nginx.conf'), conf);
    server = startProcess(options.binary ?? NGINX_BINARY, [
      '-p',
      `${prefix}/`,
      '-c',
      join(prefix, 'nginx.conf'),
      // Errors before the config is read go here too, not to the packaged default.
      '-e',
      join(prefix, 'logs/error.log'),
    ], { cwd: prefix, removeOnStop: prefix });
  } catch (error) {
    await rm(prefix, { recursive: true, force: true });
    throw error;
  }

  await server.whenReady(
    Promise.all(Object.values(ports).map((port) => waitForPort(port, '127.0.0.1', timeoutMs))),
    errorLog,
  );
  return {
    port: ports.http!,
    ports,
    url: `http://127.0.0.1:${ports.http}`,
    prefix,
    output: server.output,
    errorLog,
    accessLog,
    stop: () => server.stop(),
  };
}
