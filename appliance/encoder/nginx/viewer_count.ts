// Viewers per room, counted from nginx's HLS access log: a viewer is a playback session
// (the token's `s`) that fetched a playlist or segment successfully within a window. The
// log is nginx_conf.ts's `roomcast_hls` format, written by nginx and tailed here by
// polling (it may not exist yet, and may be truncated or rotated under us).
//
//   v1 <msec> <status> <bytes> <room> <session>
//
// The session is last because it is the one field a client fills freely; everything
// after the fifth space belongs to it. nginx writes `-` for an empty value.
import { type FileHandle, open, stat } from 'node:fs/promises';
import { PLAYBACK_SESSION_PATTERN } from '../../../core/wire/playback_token.ts';

export interface AccessRecord {
  /** When nginx finished the request, in ms since the epoch. */
  timeMs: number;
  status: number;
  bytes: number;
  /** '' when the request matched no room. */
  room: string;
  /** The viewer session (`s`); '' when the request had none. */
  session: string;
}

const LINE = /^v1 (\d{1,13}(?:\.\d{1,3})?) (\d{3}) (\d{1,15}) (\S+) (.*)$/;

/** One line of the `roomcast_hls` log, or null for anything else (other formats, noise). */
export function parseAccessLine(line: string): AccessRecord | null {
  const match = LINE.exec(line.trimEnd());
  if (!match) return null;
  const [, msec, status, bytes, room, session] = match;
  return {
    timeMs: Math.round(Number(msec) * 1000),
    status: Number(status),
    bytes: Number(bytes),
    room: room === '-' ? '' : room!,
    session: session === '-' ? '' : session!,
  };
}

export interface ViewerCounter {
  /** Feeds one log line; lines that are not successful viewer requests are ignored. */
  ingest(line: string): void;
  /** Distinct sessions of `room` with a 2xx/3xx answer in (nowMs - windowMs, nowMs]. */
  viewers(room: string, nowMs: number): number;
  /** Every room with at least one viewer at `nowMs`. */
  counts(nowMs: number): Map<string, number>;
}

export function createViewerCounter(options: { windowMs: number }): ViewerCounter {
  const { windowMs } = options;
  // room → session → last successful request (ms).
  const seen = new Map<string, Map<string, number>>();
  let newest = 0;
  let lastPrune = 0;

  // Forget sessions that fell out of the window of the newest line, so memory follows the
  // number of current viewers, not of everyone who ever watched.
  const prune = () => {
    const cutoff = newest - windowMs;
    for (const [room, sessions] of seen) {
      for (const [session, at] of sessions) if (at <= cutoff) sessions.delete(session);
      if (sessions.size === 0) seen.delete(room);
    }
    lastPrune = newest;
  };

  const count = (sessions: Map<string, number> | undefined, nowMs: number) => {
    let n = 0;
    for (const at of sessions?.values() ?? []) if (at > nowMs - windowMs && at <= nowMs) n++;
    return n;
  };

  return {
    ingest(line) {
      const record = parseAccessLine(line);
      if (!record || record.status < 200 || record.status >= 400 || !record.room) return;
      // A 2xx means nginx checked the token, which is signed over this very session; the
      // pattern check keeps odd values out even if the format ever logs unchecked lines.
      if (!PLAYBACK_SESSION_PATTERN.test(record.session)) return;
      let sessions = seen.get(record.room);
      if (!sessions) seen.set(record.room, sessions = new Map());
      sessions.set(record.session, Math.max(sessions.get(record.session) ?? 0, record.timeMs));
      newest = Math.max(newest, record.timeMs);
      if (newest - lastPrune > windowMs) prune();
    },
    viewers: (room, nowMs) => count(seen.get(room), nowMs),
    counts(nowMs) {
      const out = new Map<string, number>();
      for (const [room, sessions] of seen) {
        const n = count(sessions, nowMs);
        if (n > 0) out.set(room, n);
      }
      return out;
    },
  };
}

export interface TailOptions {
  /** How often the file is looked at (default 1000 ms). */
  intervalMs?: number;
  /**
   * Read a file that exists at start from its beginning (default false: from its end, as
   * old lines say nothing about who watches now). Files that appear later, or replace
   * a rotated one, are always read from the beginning.
   */
  fromStart?: boolean;
  /** Called when reading fails for another reason than the file being absent. */
  onError?: (error: Error) => void;
}

export interface Tail {
  /** Stops polling; no `onLines` call happens after it. */
  stop(): void;
  /** Resolves after a look at the file that started after this call (tests, shutdown). */
  poll(): Promise<void>;
}

const CHUNK_BYTES = 256 * 1024;
/** A "line" longer than this is not one of ours; it is dropped rather than buffered. */
const MAX_LINE_BYTES = 64 * 1024;

/**
 * Follows `path` like `tail -F`: complete lines are handed to `onLines` in order. Survives
 * the file not existing yet, being truncated (read again from the start) and being
 * rotated (the old file is read to its end, then the new one from its start).
 */
export function tailFile(
  path: string,
  onLines: (lines: string[]) => void,
  options: TailOptions = {},
): Tail {
  const intervalMs = options.intervalMs ?? 1000;
  let handle: FileHandle | null = null;
  let inode = -1;
  let position = 0;
  let partial = '';
  let first = true;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;

  const emit = (text: string) => {
    const parts = (partial + text).split('\n');
    partial = parts.pop()!;
    if (partial.length > MAX_LINE_BYTES) partial = '';
    const lines = parts.filter((line) => line.length > 0);
    if (lines.length > 0 && !stopped) onLines(lines);
  };

  /** Reads `handle` from `position` to its current end. */
  const drain = async (file: FileHandle) => {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, CHUNK_BYTES, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      // Lines are ASCII (nginx escapes everything else), so a chunk never splits a character.
      emit(buffer.toString('latin1', 0, bytesRead));
    }
  };

  const close = async () => {
    const file = handle;
    handle = null;
    partial = '';
    await file?.close().catch(() => {});
  };

  const look = async () => {
    const onDisk = await stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (handle) {
      const size = (await handle.stat()).size;
      if (size < position) {
        // Truncated in place (copytruncate): start over at its beginning.
        position = 0;
        partial = '';
      }
      await drain(handle);
      // Rotated (renamed away, a new file in its place) or deleted: the old one is done.
      if (!onDisk || onDisk.ino !== inode) await close();
    }
    if (!handle && onDisk) {
      const file = await open(path, 'r');
      const opened = await file.stat();
      handle = file;
      inode = opened.ino;
      position = first && !options.fromStart ? opened.size : 0;
      await drain(file);
    }
    first = false;
  };

  const pollOnce = (): Promise<void> =>
    running ??= look()
      .catch((error: Error) => options.onError?.(error))
      .finally(() => {
        running = null;
      });

  // A look that started before the caller's moment may have missed what it waits for.
  const poll = async (): Promise<void> => {
    if (running) await running;
    await pollOnce();
  };

  const loop = () => {
    if (stopped) return;
    void pollOnce().then(() => {
      if (!stopped) timer = setTimeout(loop, intervalMs);
    });
  };
  loop();

  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      void (running ?? Promise.resolve()).then(close);
    },
    poll,
  };
}
