// Runs the encoder's nginx as a supervised child of the agent: `nginx -t` first (a broken
// conf is an error naming its line, not a crash loop), then `nginx -p <prefix>/ -c <conf>
// -e <prefix>/logs/error.log` in its own process group; ready once the control socket
// answers and the RTMP and HTTP ports accept; restarted with capped backoff if it dies
// (its whole group first: a killed master's worker would keep the ports); stopped by
// dropping every RTMP connection, then QUIT, then KILL after a grace period.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, lstat, mkdir, readFile, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { type Logger, redactSecrets } from '../../../core/log.ts';
import { controlGet, dropClient } from './control.ts';
import { RTMP_APP } from './nginx_conf.ts';

export const NGINX_BINARY = '/usr/sbin/nginx';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface EncoderNginxOptions {
  confPath: string;
  prefix: string;
  log: Logger;
  binary?: string;
  /** Readiness targets; read from the conf's `listen` directives when left out. */
  controlSocket?: string;
  rtmp?: ListenAddress;
  http?: ListenAddress;
  /** How long one start may take to become ready (default 20 s). */
  readyTimeoutMs?: number;
  /** After QUIT, how long before KILL (default 10 s). */
  stopGraceMs?: number;
  /** Restart backoff: first delay, doubled per quick failure up to `max` (500 ms, 30 s). */
  restartDelayMs?: { initial?: number; max?: number };
}

export interface EncoderNginx {
  /**
   * Resolves when the first start is ready. Rejects (and everything is stopped) when the
   * conf fails `nginx -t`, nginx exits before it is ready, or readiness times out.
   */
  ready: Promise<void>;
  /**
   * Drops every RTMP connection (on_publish_done fires), then QUIT, then KILL after the
   * grace period; no restart after it.
   */
  stop(): Promise<void>;
  /**
   * Checks the conf (`nginx -t`), drops every RTMP connection (see dropAll), then HUP;
   * resolves once a new worker answers. Publishers reconnect to the new worker.
   */
  reload(): Promise<void>;
  /** Called with a short reason ('code 1', 'signal SIGKILL') whenever nginx dies unasked. */
  onExit(callback: (reason: string) => void): () => void;
  /** The running master's pid, or null between runs. */
  pid(): number | null;
}

/** Where the rendered conf listens: the first RTMP and HTTP TCP listeners and the unix one. */
export function listenTargets(
  conf: string,
): { controlSocket: string; rtmp: ListenAddress; http: ListenAddress } {
  let block = '';
  let controlSocket: string | undefined;
  let rtmp: ListenAddress | undefined;
  let http: ListenAddress | undefined;
  for (const line of conf.split('\n')) {
    const top = /^([a-z_]+)\s*\{/.exec(line);
    if (top) block = top[1]!;
    const listen = /^\s*listen\s+(\S+?)(?:\s[^;]*)?;/.exec(line)?.[1];
    if (!listen) continue;
    if (listen.startsWith('unix:')) {
      controlSocket ??= listen.slice('unix:'.length);
      continue;
    }
    const address = /^\[?([^\]]*?)\]?:(\d+)$/.exec(listen);
    if (!address) continue;
    const target = { host: address[1]!, port: Number(address[2]) };
    if (block === 'rtmp') rtmp ??= target;
    if (block === 'http') http ??= target;
  }
  if (!controlSocket || !rtmp || !http) {
    throw new Error('nginx conf: no unix control listener, RTMP listener or HTTP listener found');
  }
  return { controlSocket, rtmp, http };
}

/**
 * Keeps secrets of the conf out of log lines and errors: the playback secret (a long hex
 * run) and the hook URL's path (it carries the agent's per-run token).
 */
function mask(text: string): string {
  return redactSecrets(text)
    .replace(/[0-9a-fA-F]{32,}/g, '***')
    .replace(/(https?:\/\/[^/\s"';]+)\/[^\s"';]*/g, '$1/***');
}

/** `nginx -t`'s verdict as an error naming the conf line, with that line's text. */
async function configError(output: string, confPath: string): Promise<Error> {
  const lines = output.split('\n').map((line) => line.trim()).filter(Boolean);
  const emerg = lines.find((line) => /\[(emerg|alert|crit)\]/.test(line)) ??
    lines.find((line) => !/test failed|syntax is ok/.test(line)) ?? 'nginx -t failed';
  let message = emerg.replace(/^nginx: /, '');
  const at = /in (\S+):(\d+)$/.exec(message);
  if (at) {
    const text = await readFile(at[1]!, 'utf8').catch(() => '');
    const line = text.split('\n')[Number(at[2]) - 1]?.trim();
    if (line) message += ` (line ${at[2]}: ${line})`;
  }
  return new Error(`nginx config ${confPath} is invalid: ${mask(message)}`);
}

function tcpAccepts(target: ListenAddress): Promise<boolean> {
  const host = target.host === '0.0.0.0' ? '127.0.0.1' : target.host === '::' ? '::1' : target.host;
  return new Promise((resolve) => {
    const socket = connect({ host, port: target.port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The pid rtmp_stat reports: the worker that answers (changes when a reload took over). */
async function workerPid(socket: string): Promise<string | null> {
  try {
    return /<pid>(\d+)<\/pid>/.exec(await controlGet(socket, '/stat', 2000))?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * A control socket file left by a killed nginx makes the next one fail to bind: removed
 * when nothing answers on it; an error when something does (another nginx holds it).
 */
async function clearStaleSocket(socket: string): Promise<void> {
  const info = await lstat(socket).catch(() => null);
  if (!info) return;
  if (!info.isSocket()) throw new Error(`${socket} exists and is not a socket`);
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect({ path: socket });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another process answers on nginx's control socket ${socket}`);
  await unlink(socket).catch(() => {});
}

/** Whether `pid` is still a live process (a worker of ours, from rtmp_stat). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function startEncoderNginx(options: EncoderNginxOptions): EncoderNginx {
  const { confPath, prefix, log } = options;
  const binary = options.binary ?? NGINX_BINARY;
  const errorLog = join(prefix, 'logs/error.log');
  const args = ['-p', `${prefix.replace(/\/+$/, '')}/`, '-c', confPath, '-e', errorLog];
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  const stopGraceMs = options.stopGraceMs ?? 10_000;
  const initialDelay = options.restartDelayMs?.initial ?? 500;
  const maxDelay = options.restartDelayMs?.max ?? 30_000;
  // A run that stayed up this long was healthy: the next failure starts the backoff over.
  const healthyRunMs = 60_000;

  const listeners = new Set<(reason: string) => void>();
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let delay = initialDelay;
  let targets: ReturnType<typeof listenTargets> | undefined;

  const isRunning = (proc: ChildProcess | null): boolean =>
    proc !== null && proc.exitCode === null && proc.signalCode === null;

  const killGroup = (pid: number | undefined, signal: NodeJS.Signals) => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch { /* the group is gone */ }
  };

  const configTest = async (): Promise<void> => {
    const output = await new Promise<string | null>((resolve) => {
      execFile(binary, [...args, '-t'], { cwd: prefix, timeout: 30_000 }, (error, out, err) => {
        resolve(error ? `${err}\n${out}\n${error.message}` : null);
      });
    });
    if (output !== null) throw await configError(output, confPath);
  };

  const readTargets = async () => {
    const fromConf = options.controlSocket && options.rtmp && options.http
      ? undefined
      : listenTargets(await readFile(confPath, 'utf8'));
    return {
      controlSocket: options.controlSocket ?? fromConf!.controlSocket,
      rtmp: options.rtmp ?? fromConf!.rtmp,
      http: options.http ?? fromConf!.http,
    };
  };

  const isReady = async (t: NonNullable<typeof targets>) =>
    (await workerPid(t.controlSocket)) !== null &&
    (await tcpAccepts(t.rtmp)) && (await tcpAccepts(t.http));

  /** The last emerg/alert lines nginx wrote, for an exit that needs explaining. */
  const errorLogTail = async () => {
    const text = await readFile(errorLog, 'utf8').catch(() => '');
    return text.split('\n').filter((line) => /\[(emerg|alert|crit)\]/.test(line)).slice(-3)
      .map(mask).join(' | ');
  };

  /** One run: config test, spawn, wait for readiness. Resolves when ready. */
  const run = async (): Promise<void> => {
    await mkdir(join(prefix, 'logs'), { recursive: true });
    await mkdir(join(prefix, 'temp'), { recursive: true });
    targets = await readTargets();
    await configTest();
    await clearStaleSocket(targets.controlSocket);
    if (stopping) return;

    const started = Date.now();
    const proc = spawn(binary, args, {
      cwd: prefix,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: stopping it for sure also ends workers a dead master left.
      detached: true,
    });
    child = proc;
    let spawnError = null as Error | null;
    let procReady = false;
    const output = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim()) log.warn('nginx says', { line: mask(line.trim()) });
      }
    };
    proc.stdout?.on('data', output);
    proc.stderr?.on('data', output);
    exited = new Promise<void>((resolve) => {
      proc.once('error', (error) => {
        spawnError = error;
        resolve();
      });
      proc.once('exit', (code, signal) => {
        // Workers outlive a killed master: end the whole group before anything else.
        killGroup(proc.pid, 'SIGKILL');
        if (child === proc) child = null;
        resolve();
        // An exit before this run was ready is run()'s failure to report, not a restart.
        if (stopping || !procReady) return;
        const reason = signal ? `signal ${signal}` : `code ${code}`;
        void errorLogTail().then((tail) => {
          log.warn('nginx exited; restarting it', { reason, ...(tail ? { errors: tail } : {}) });
        });
        for (const listener of listeners) listener(reason);
        if (Date.now() - started > healthyRunMs) delay = initialDelay;
        scheduleRestart();
      });
    });

    const deadline = Date.now() + readyTimeoutMs;
    const t = targets;
    for (;;) {
      if (stopping) return;
      if (spawnError) throw new Error(`nginx could not be started: ${spawnError.message}`);
      if (!isRunning(proc)) {
        const tail = await errorLogTail();
        throw new Error(
          `nginx exited (code ${proc.exitCode}, signal ${proc.signalCode}) before it was ready${
            tail ? `: ${tail}` : ''
          }`,
        );
      }
      if (await isReady(t)) break;
      if (Date.now() > deadline) {
        throw new Error(`nginx was not ready after ${readyTimeoutMs} ms`);
      }
      await sleep(100);
    }
    // nginx makes unix sockets world-writable; control may drop any publisher: owner only.
    await chmod(t.controlSocket, 0o600).catch(() => {});
    procReady = true;
  };

  const scheduleRestart = () => {
    if (stopping) return;
    const wait = delay;
    delay = Math.min(delay * 2, maxDelay);
    restartTimer = setTimeout(() => {
      void run().then(
        () => {
          if (!stopping) log.info('nginx is back');
        },
        async (error: Error) => {
          if (stopping) return;
          log.error('nginx restart failed', { reason: error.message });
          // It may still be running half-ready: end it, then try again later.
          if (isRunning(child)) {
            killGroup(child?.pid, 'SIGKILL');
            await exited;
          }
          for (const listener of listeners) listener(`restart failed: ${error.message}`);
          scheduleRestart();
        },
      );
    }, wait);
  };

  /**
   * Ends every RTMP connection through control, so each publisher ends with on_publish_done
   * (the agent closes its sessions) instead of vanishing. Needed before QUIT and HUP: a
   * live RTMP connection never goes idle, so a gracefully exiting worker would keep it
   * (and its stream, out of sight of control and stat) for as long as it streams; nginx's
   * worker_shutdown_timeout does not close RTMP connections either.
   */
  const dropAll = async (why: string) => {
    if (!targets) return;
    try {
      const dropped = await dropClient(targets.controlSocket, { app: RTMP_APP });
      if (dropped > 0) log.info(`dropped every RTMP connection: ${why}`, { dropped });
    } catch (error) {
      log.warn('could not drop RTMP connections through control', {
        reason: (error as Error).message,
      });
    }
  };

  const stop = async (): Promise<void> => {
    stopping = true;
    clearTimeout(restartTimer);
    const proc = child;
    if (proc && isRunning(proc) && proc.pid !== undefined) {
      const pid = proc.pid;
      await dropAll('nginx is stopping');
      // QUIT: finish HTTP requests and the hooks just sent; KILL whatever still holds on.
      try {
        process.kill(pid, 'SIGQUIT');
      } catch { /* just exited */ }
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), stopGraceMs);
      await exited;
      clearTimeout(timer);
      killGroup(pid, 'SIGKILL');
    } else {
      await exited;
    }
  };

  let stopped: Promise<void> | undefined;
  const ready = run().then(
    () => {
      if (stopping) throw new Error('nginx was stopped before it was ready');
      delay = initialDelay;
      log.info('nginx is ready');
    },
    async (error: Error) => {
      await (stopped ??= stop());
      throw error;
    },
  );

  // The caller awaits `ready`; this only keeps an unawaited failure from crashing the process.
  ready.catch(() => {});

  return {
    ready,
    stop: () => stopped ??= stop(),
    async reload() {
      const proc = child;
      if (!proc || !isRunning(proc) || proc.pid === undefined || !targets) {
        throw new Error('nginx is not running');
      }
      await configTest();
      const before = await workerPid(targets.controlSocket);
      await dropAll('nginx is reloading');
      process.kill(proc.pid, 'SIGHUP');
      const deadline = Date.now() + readyTimeoutMs;
      for (;;) {
        const now = await workerPid(targets.controlSocket);
        if (now !== null && now !== before) break;
        if (Date.now() > deadline) throw new Error('no new nginx worker answered after reload');
        await sleep(100);
      }
      // A publisher that connected between the drop and the HUP is still held by the old
      // worker, which would then never exit: give it a moment, then end it.
      const old = Number(before);
      for (let waited = 0; before !== null && alive(old) && waited < 3000; waited += 100) {
        await sleep(100);
      }
      if (before !== null && alive(old)) {
        log.warn('the old nginx worker still holds connections after reload; ending it');
        try {
          process.kill(old, 'SIGTERM');
        } catch { /* gone meanwhile */ }
      }
      log.info('nginx reloaded');
    },
    onExit(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    pid: () => (isRunning(child) ? child?.pid ?? null : null),
  };
}
