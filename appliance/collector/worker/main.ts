// The pipeline worker: a child process of the collector daemon that holds GStreamer (via
// node-gtk). A native fault here kills only this process; the daemon starts a new one and
// its status page stays up. Everything is driven from Node timers — no GLib main loop,
// which would starve Node's timers — and every timer callback is guarded: anything
// unexpected is reported and ends the worker, so the daemon restarts it clean.
import type { DaemonMessage, WorkerMessage } from '../worker_protocol.ts';
import { type Capture, createCapture } from './capture.ts';
import { loadGst } from './gst.ts';
import { createUplink, type Uplink } from './uplink.ts';

const BUS_POLL_MS = 50;
const FEED_POLL_MS = 10;
/** Uplink bus and counters: how soon the daemon hears of a failure or of going live. */
const UPLINK_POLL_MS = 100;
/** How long a clean stop waits for the recording's last file to be written out. */
const FINISH_TIMEOUT_MS = 2000;

let capture: Capture | null = null;
let uplink: Uplink | null = null;
const timers: ReturnType<typeof setInterval>[] = [];
let stopping = false;

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

function shutdown(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const timer of timers) clearInterval(timer);
  // A moment for IPC to flush the last message before the process goes.
  const exit = () => setTimeout(() => process.exit(code), 50);
  try {
    uplink?.stop();
    // After a pipeline error there is nothing left to drain.
    if (!capture || code !== 0) {
      exit();
      return;
    }
    capture.finish(FINISH_TIMEOUT_MS).catch(() => {}).finally(exit);
  } catch {
    exit();
  }
}

function fatal(message: string): void {
  send({ type: 'fatal', message });
  shutdown(1);
}

function guarded(what: string, fn: () => void): () => void {
  return () => {
    if (stopping) return;
    try {
      fn();
    } catch (error) {
      fatal(`${what} failed: ${(error as Error).message}`);
    }
  };
}

function start(message: Extract<DaemonMessage, { type: 'start' }>): void {
  const gst = loadGst();
  uplink = createUplink({
    gst,
    send,
    wallClockAtRunningZeroMs: () => capture?.wallClockAtRunningZeroMs() ?? null,
  });
  // The test pattern's beep sounds on each whole second of running time; starting on a
  // whole wall-clock second puts it where the burned-in clock turns over. The pipeline is
  // built (and paused) for that second first, then started on it.
  const now = Date.now();
  const startAt = message.alignToSecond ? Math.ceil((now + 1500) / 1000) * 1000 : now;
  const plan = { ...message.plan, clockEpoch: new Date(startAt).toISOString() };
  const activeCapture = createCapture({ gst, plan, send, onFatal: fatal });
  capture = activeCapture;
  setTimeout(
    guarded('starting the pipeline', () => {
      activeCapture.play();
      const activeUplink = uplink!;
      timers.push(
        setInterval(guarded('bus poll', () => activeCapture.poll()), BUS_POLL_MS),
        setInterval(
          guarded('uplink feed', () => {
            for (
              let tag = activeCapture.pullUplinkTag();
              tag;
              tag = activeCapture.pullUplinkTag()
            ) {
              activeUplink.feed(tag);
            }
          }),
          FEED_POLL_MS,
        ),
        setInterval(guarded('uplink poll', () => activeUplink.poll()), UPLINK_POLL_MS),
      );
    }),
    Math.max(0, startAt - Date.now()),
  );
}

process.on('message', (raw) => {
  const message = raw as DaemonMessage;
  guarded(`message ${message?.type}`, () => {
    switch (message.type) {
      case 'start':
        if (!capture) start(message);
        return;
      case 'connect':
        uplink?.connect(message.attempt, message.target);
        capture?.requestUplinkKeyframe();
        return;
      case 'disconnect':
        uplink?.disconnect(message.attempt);
        return;
      case 'recording':
        capture?.pauseRecording(message.paused);
        return;
      case 'stop':
        shutdown(0);
        return;
    }
  })();
});

// The daemon went away: nothing would ever stop us, so stop.
process.on('disconnect', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));
