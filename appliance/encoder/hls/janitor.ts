// Removes HLS files nobody will ask for again. The public playlist's expired() covers the
// normal slide of the window; what is left over comes from restarts: a dead ffmpeg run's
// private playlist and its last segments, files of runs from before the agent restarted
// (they scrolled out of a window this process never held), temporary files of a crash, and
// whole rooms whose event went away.
//
// Deliberately narrow: only names ffmpeg and writeFileAtomic produce are ever deleted,
// symbolic links are neither followed nor removed, and only files older than a grace period
// go, since a viewer a little behind may still fetch a segment the playlist dropped and a
// room whose publisher left may come back.
import type { Stats } from 'node:fs';
import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What an ffmpeg run writes: `<runId>-<n>.m4s`, `<runId>-init.mp4`, `<runId>.m3u8`; in
 * low-latency mode also the parts, `<runId>-<n>-p<k>.m4s` (ll/ll_output.ts).
 */
const RUN_FILE = /^r\d+(-\d+\.m4s|-\d+-p\d+\.m4s|-init\.mp4|\.m3u8)$/;
/** Half-written files: ffmpeg's temp_file flag and writeFileAtomic. */
const TEMPORARY_FILE = /\.tmp$/;
/** The public playlists and the DASH manifest, removed only with their whole room. */
const PUBLIC_PLAYLIST = /^(index\.m3u8|master\.m3u8|master-standard\.m3u8|manifest\.mpd)$/;

export type KeepFiles =
  | ReadonlyMap<string, ReadonlySet<string>>
  | ((rendition: string, file: string) => boolean);

export interface SweepRoomOptions {
  /**
   * Files still in use, by rendition directory name (e.g. a playlist's referencedFiles()
   * plus the running ffmpeg's private playlist and init segment), or a predicate.
   */
  keep: KeepFiles;
  /** Only files last modified longer ago than this are removed. */
  olderThanMs: number;
  now?: number;
}

/**
 * Removes leftover run files in the rendition directories of one room: those `keep` does not
 * name, older than `olderThanMs`. Returns the removed paths, relative to `roomDir`.
 */
export async function sweepRoomDir(roomDir: string, options: SweepRoomOptions): Promise<string[]> {
  const now = options.now ?? Date.now();
  const kept = typeof options.keep === 'function'
    ? options.keep
    : (rendition: string, file: string) =>
      (options.keep as ReadonlyMap<string, ReadonlySet<string>>).get(rendition)?.has(file) ??
        false;
  const removed: string[] = [];
  for (const rendition of await namesIn(roomDir)) {
    const renditionDir = join(roomDir, rendition);
    if (!(await statOf(renditionDir))?.isDirectory()) continue;
    for (const file of await namesIn(renditionDir)) {
      if (!RUN_FILE.test(file) && !TEMPORARY_FILE.test(file)) continue;
      if (kept(rendition, file)) continue;
      const path = join(renditionDir, file);
      const stats = await statOf(path);
      if (!stats?.isFile() || now - stats.mtimeMs <= options.olderThanMs) continue;
      if (await removeFile(path)) removed.push(`${rendition}/${file}`);
    }
  }
  return removed;
}

/**
 * Removes the directories of rooms not in `liveRooms` in which nothing changed for longer than
 * `olderThanMs`: their HLS files, then the directories if that emptied them. A directory
 * holding no HLS file at all is not a room and is left alone, as is anything unexpected in
 * a room (its directory then stays). Returns the rooms whose directory is gone.
 */
export async function sweepHlsRoot(
  hlsRoot: string,
  liveRooms: ReadonlySet<string>,
  olderThanMs: number,
  now: number = Date.now(),
): Promise<string[]> {
  const removed: string[] = [];
  for (const room of await namesIn(hlsRoot)) {
    if (liveRooms.has(room)) continue;
    const roomDir = join(hlsRoot, room);
    const roomStats = await statOf(roomDir);
    if (!roomStats?.isDirectory()) continue;
    const contents = await roomContents(roomDir, roomStats);
    if (contents.files.length === 0) continue;
    if (now - contents.newestMs <= olderThanMs) continue;
    for (const file of contents.files) await removeFile(file);
    for (const dir of contents.renditionDirs) await rmdir(dir).catch(() => {});
    if (await rmdir(roomDir).then(() => true, () => false)) removed.push(room);
  }
  return removed;
}

interface RoomContents {
  /** HLS files (absolute paths) this janitor may delete. */
  files: string[];
  renditionDirs: string[];
  /** Latest modification of anything in the room, the directories included. */
  newestMs: number;
}

async function roomContents(roomDir: string, roomStats: Stats): Promise<RoomContents> {
  const contents: RoomContents = { files: [], renditionDirs: [], newestMs: roomStats.mtimeMs };
  const consider = (path: string, name: string, stats: Stats) => {
    contents.newestMs = Math.max(contents.newestMs, stats.mtimeMs);
    const ours = RUN_FILE.test(name) || TEMPORARY_FILE.test(name) || PUBLIC_PLAYLIST.test(name);
    if (stats.isFile() && ours) contents.files.push(path);
  };
  for (const name of await namesIn(roomDir)) {
    const path = join(roomDir, name);
    const stats = await statOf(path);
    if (!stats) continue;
    if (!stats.isDirectory()) {
      consider(path, name, stats);
      continue;
    }
    contents.renditionDirs.push(path);
    contents.newestMs = Math.max(contents.newestMs, stats.mtimeMs);
    for (const file of await namesIn(path)) {
      const filePath = join(path, file);
      const fileStats = await statOf(filePath);
      if (fileStats) consider(filePath, file, fileStats);
    }
  }
  return contents;
}

async function namesIn(dir: string): Promise<string[]> {
  return await readdir(dir).catch(() => []);
}

/** lstat: a symbolic link is reported as one, never as what it points to. */
async function statOf(path: string): Promise<Stats | null> {
  return await lstat(path).catch(() => null);
}

async function removeFile(path: string): Promise<boolean> {
  return await unlink(path).then(() => true, () => false);
}
