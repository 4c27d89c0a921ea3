// Tells systemd how a service is doing, by the sd_notify protocol: READY=1 once the process
// really works, STATUS=… lines `systemctl status` shows, STOPPING=1 when it begins to stop.
//
// Node has no AF_UNIX datagram sockets, so every message is handed to systemd's own
// `systemd-notify` (argv array, never a shell; Debian package `systemd`, on every box the
// units run on). That child, not this process, sends the datagram, which is why the units
// say NotifyAccess=all. systemd-notify then waits (BARRIER=1) until the manager has read
// the message, so the manager can still tell which unit the short-lived sender belonged
// to. It understands every form of NOTIFY_SOCKET, abstract `@…` addresses included.
// Without NOTIFY_SOCKET (a terminal, a test, the demo) nothing is ever sent or started.
import { execFile } from 'node:child_process';
import { type Logger, redactSecrets } from '../log.ts';

export const SYSTEMD_NOTIFY = '/usr/bin/systemd-notify';

/** Longest STATUS text sent; `systemctl status` shows one line anyway. */
const MAX_STATUS_CHARS = 300;
/** systemd-notify gives up on its barrier after 5 s; this only catches a hung child. */
const SEND_TIMEOUT_MS = 15_000;

export interface ServiceNotifier {
  /** Whether a service manager listens (NOTIFY_SOCKET was set). */
  readonly enabled: boolean;
  /**
   * READY=1 with a STATUS line: call it only when the service really works. Later calls
   * send the STATUS line alone (READY=1 goes out once).
   */
  ready(status: string): Promise<void>;
  /** A STATUS line for `systemctl status`. */
  status(status: string): Promise<void>;
  /** STOPPING=1 with a STATUS line; nothing else is sent after it. */
  stopping(status: string): Promise<void>;
}

export interface ServiceNotifierOptions {
  /** NOTIFY_SOCKET as systemd set it; undefined or '' = no service manager: a no-op. */
  socket: string | undefined;
  log: Logger;
  /** The systemd-notify binary (tests point it elsewhere). */
  binary?: string;
  /** The service's main PID, sent as MAINPID= (this process by default). */
  pid?: number;
}

/**
 * NOTIFY_SOCKET, removed from `env` (like sd_notify's unset_environment): with
 * NotifyAccess=all the manager believes every process of the unit, so the children this
 * process starts (nginx, ffmpeg, the pipeline worker) must not inherit the address.
 */
export function takeNotifySocket(env: NodeJS.ProcessEnv): string | undefined {
  const socket = env.NOTIFY_SOCKET;
  delete env.NOTIFY_SOCKET;
  return socket || undefined;
}

/** One line, no control characters, no secret-looking values, bounded length. */
export function statusText(text: string): string {
  // deno-lint-ignore no-control-regex
  const line = redactSecrets(text).replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > MAX_STATUS_CHARS ? `${line.slice(0, MAX_STATUS_CHARS - 1)}…` : line;
}

export function createServiceNotifier(options: ServiceNotifierOptions): ServiceNotifier {
  const { socket, log } = options;
  const binary = options.binary ?? SYSTEMD_NOTIFY;
  const pid = options.pid ?? process.pid;
  let readySent = false;
  let stopping = false;
  let warned = false;
  // Messages go out one after another, in the order they were asked for.
  let queue: Promise<void> = Promise.resolve();

  const send = (fields: string[]): Promise<void> => {
    if (!socket) return Promise.resolve();
    // MAINPID= names this process even though the datagram comes from the child.
    const argv = [`--pid=${pid}`, ...fields];
    queue = queue.then(() =>
      new Promise<void>((resolve) => {
        // Only NOTIFY_SOCKET: the child needs nothing else of ours (secrets included).
        execFile(
          binary,
          argv,
          { env: { NOTIFY_SOCKET: socket }, timeout: SEND_TIMEOUT_MS },
          (error, _stdout, stderr) => {
            if (error && !warned) {
              warned = true;
              log.warn('could not notify systemd; a Type=notify unit will time out waiting', {
                binary,
                reason: (String(stderr).trim() || error.message).split('\n')[0],
              });
            }
            resolve();
          },
        );
      })
    );
    return queue;
  };

  return {
    enabled: Boolean(socket),
    ready(status) {
      if (stopping) return Promise.resolve();
      const first = !readySent;
      readySent = true;
      return send([...(first ? ['READY=1'] : []), `STATUS=${statusText(status)}`]);
    },
    status(status) {
      if (stopping) return Promise.resolve();
      return send([`STATUS=${statusText(status)}`]);
    },
    stopping(status) {
      if (stopping) return queue;
      stopping = true;
      return send(['STOPPING=1', `STATUS=${statusText(status)}`]);
    },
  };
}
