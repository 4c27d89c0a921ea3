// Keeps one pipeline worker running. GStreamer lives in that child process so a native
// fault (or a pipeline error, which makes the worker exit on purpose) costs a restart of
// the pipeline, never the daemon, its status page or its link to the edge.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../core/log.ts';
import type { DaemonMessage, WorkerMessage } from './worker_protocol.ts';

export type WorkerState = 'starting' | 'running' | 'restarting' | 'stopped';

export interface WorkerSupervisorOptions {
  log: Logger;
  /** The first message of every new worker (a new recording session each time). */
  startMessage(): DaemonMessage;
  onMessage(message: WorkerMessage): void;
  /** The worker is gone; `expected` when the supervisor stopped it, else it restarts. */
  onExit(reason: string, expected: boolean): void;
  /** Worker entry module; the real one by default (tests may point elsewhere). */
  entry?: string;
}

export interface WorkerSupervisor {
  send(message: DaemonMessage): void;
  pid(): number | null;
  restarts(): number;
  state(): WorkerState;
  /** Marks the worker running (the daemon calls this when the pipeline plays). */
  markRunning(): void;
  stop(): Promise<void>;
}

/** Delays before restarting a worker that died; back to the first after a good run. */
const RESTART_DELAYS_MS = [300, 1000, 2000, 5000];
const GOOD_RUN_MS = 30_000;
const STOP_GRACE_MS = 3000;

const DEFAULT_ENTRY = fileURLToPath(new URL('./worker/main.ts', import.meta.url));

export function startWorkerSupervisor(options: WorkerSupervisorOptions): WorkerSupervisor {
  const { log } = options;
  let child: ChildProcess | null = null;
  let state: WorkerState = 'starting';
  let restarts = 0;
  let quickDeaths = 0;
  let startedAt = 0;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  let stopping = false;

  const spawnWorker = () => {
    restartTimer = undefined;
    if (stopping) return;
    startedAt = Date.now();
    state = restarts === 0 ? 'starting' : 'restarting';
    const worker = fork(options.entry ?? DEFAULT_ENTRY, [], {
      // The daemon may run under tsx's API loader (bin/roomcast.js); the worker is a fresh
      // Node and needs the loader on its command line, found from here, not from the cwd.
      execArgv: ['--import', import.meta.resolve('tsx')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child = worker;
    worker.on('message', (message) => {
      try {
        options.onMessage(message as WorkerMessage);
      } catch (error) {
        log.error('handling a worker message failed', { reason: (error as Error).message });
      }
    });
    worker.on('error', (error) => log.error('pipeline worker error', { reason: error.message }));
    worker.on('exit', (code, signal) => {
      if (child === worker) child = null;
      const reason = signal ? `killed by ${signal}` : `exited with code ${code}`;
      options.onExit(reason, stopping);
      if (stopping) {
        state = 'stopped';
        return;
      }
      quickDeaths = Date.now() - startedAt > GOOD_RUN_MS ? 0 : quickDeaths + 1;
      const delay = RESTART_DELAYS_MS[Math.min(quickDeaths, RESTART_DELAYS_MS.length) - 1] ??
        RESTART_DELAYS_MS[0]!;
      state = 'restarting';
      restarts += 1;
      log.error('pipeline worker stopped; restarting it', { reason, inMs: delay });
      restartTimer = setTimeout(spawnWorker, delay);
    });
    worker.send(options.startMessage());
    log.info('pipeline worker started', { pid: worker.pid ?? null });
  };

  spawnWorker();

  return {
    send(message) {
      if (child?.connected) child.send(message);
    },
    pid: () => child?.pid ?? null,
    restarts: () => restarts,
    state: () => state,
    markRunning() {
      if (!stopping) state = 'running';
    },
    async stop() {
      stopping = true;
      clearTimeout(restartTimer);
      const worker = child;
      if (!worker) {
        state = 'stopped';
        return;
      }
      const gone = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      if (worker.connected) worker.send({ type: 'stop' } satisfies DaemonMessage);
      else worker.kill('SIGTERM');
      const killer = setTimeout(() => worker.kill('SIGKILL'), STOP_GRACE_MS);
      await gone;
      clearTimeout(killer);
      state = 'stopped';
    },
  };
}
