// "Never lose a talk": watches the free space of the local recording's disk and makes room
// by deleting the oldest finished segments, or tells the recorder to pause before the disk
// is full (a recorder that hits 0 bytes fails mid-segment and loses more than it pauses).
// It never throws: every failure comes back as a value in the report.
import { lstat, mkdir, readdir, rmdir, statfs, unlink } from 'node:fs/promises';
import { dirname, extname, join, relative, sep } from 'node:path';
import type { Logger } from '../../../core/log.ts';

export interface DiskGuardOptions {
  /** Root of the recording tree, e.g. `<dir>/<room>/<session>/<segment>.ts`. */
  dir: string;
  /** Below this many MiB free the disk is low, and the oldest recordings may be deleted. */
  minFreeMb: number;
  /** Below this many MiB free the recorder pauses instead of filling the disk to 0. */
  pauseBelowMb: number;
  /** Delete the oldest recordings while free space is below `minFreeMb`. */
  rotateOldest: boolean;
  /** True for a file the recorder is writing now (absolute path); such a file is never deleted. */
  isInUse(file: string): boolean;
  /** Bytes free for this process on the disk holding `dir`; defaults to statfs. */
  freeBytes?: (dir: string) => Promise<number>;
  log: Logger;
}

export interface DiskReport {
  diskFreeMb: number;
  lowDisk: boolean;
  pause: boolean;
  /** Files deleted by this check, relative to `dir`, oldest first. */
  deleted: string[];
  /** An operator message when the disk could not be checked; null when it could. */
  error: string | null;
}

export interface DiskGuard {
  check(): Promise<DiskReport>;
}

const MB = 1024 * 1024;
const RECORDING_EXTENSIONS = new Set(['.ts', '.mp4', '.mkv']);

interface Recording {
  path: string;
  size: number;
  mtimeMs: number;
}

export function createDiskGuard(options: DiskGuardOptions): DiskGuard {
  const { dir, log } = options;
  const freeBytes = options.freeBytes ?? statfsFreeBytes;
  let created = false;
  let wasLow = false;
  let lastError: string | null = null;

  // Only the first check creates the directory: one that vanishes later (an unmounted USB
  // disk) is an error to report, not a reason to record onto the system disk instead.
  const ensureDir = async () => {
    if (created) return;
    await mkdir(dir, { recursive: true });
    created = true;
  };

  const failed = (message: string, deleted: string[]): DiskReport => {
    if (message !== lastError) log.error(message);
    lastError = message;
    return { diskFreeMb: 0, lowDisk: true, pause: false, deleted, error: message };
  };

  const check = async (): Promise<DiskReport> => {
    const deleted: string[] = [];
    let free: number;
    try {
      await ensureDir();
      // Readable before anything else: a recording dir we cannot list is one we cannot
      // rotate, and most likely one the recorder cannot write either.
      await readdir(dir);
      free = await freeBytes(dir);
    } catch (error) {
      return failed(unusableDir(dir, error), deleted);
    }

    if (free < options.minFreeMb * MB && options.rotateOldest) {
      let candidates: Recording[];
      try {
        candidates = await listRecordings(dir);
      } catch (error) {
        return failed(`cannot list the recordings in ${dir}: ${describe(error)}`, deleted);
      }
      candidates.sort((a, b) => a.mtimeMs - b.mtimeMs || a.path.localeCompare(b.path));
      for (const file of candidates) {
        if (free >= options.minFreeMb * MB) break;
        if (inUse(options, file.path)) continue;
        const name = relative(dir, file.path);
        try {
          await unlink(file.path);
        } catch (error) {
          if (errorCode(error) !== 'ENOENT') {
            log.warn('cannot delete an old recording', { file: name, reason: describe(error) });
          }
          continue;
        }
        deleted.push(name);
        log.warn('deleted the oldest recording to free disk space', {
          file: name,
          sizeMb: roundMb(file.size),
        });
        await removeEmptyParents(dir, dirname(file.path));
        try {
          free = await freeBytes(dir);
        } catch (error) {
          return failed(unusableDir(dir, error), deleted);
        }
      }
    }

    if (lastError !== null) log.info('recording directory readable again', { dir });
    lastError = null;
    const lowDisk = free < options.minFreeMb * MB;
    if (lowDisk !== wasLow) {
      if (lowDisk) {
        log.warn('low disk: recordings may be deleted or paused', {
          freeMb: roundMb(free),
          minFreeMb: options.minFreeMb,
        });
      } else log.info('disk space back above the minimum', { freeMb: roundMb(free) });
      wasLow = lowDisk;
    }
    return {
      diskFreeMb: roundMb(free),
      lowDisk,
      pause: free < options.pauseBelowMb * MB,
      deleted,
      error: null,
    };
  };

  return {
    // The last line of defence: even a bug above becomes a report, never a crash.
    check: () =>
      check().catch((error) => failed(`disk guard failed on ${dir}: ${describe(error)}`, [])),
  };
}

async function statfsFreeBytes(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}

/**
 * Every recording file under `dir`: regular files with a recording extension, found without
 * following symlinks. Throws if a directory cannot be read, so that nothing is deleted from
 * a tree that was only seen in part; entries that vanish meanwhile are skipped.
 */
async function listRecordings(dir: string): Promise<Recording[]> {
  const found: Recording[] = [];
  const walk = async (current: string, isRoot: boolean) => {
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (error) {
      if (!isRoot && errorCode(error) === 'ENOENT') return; // a session removed meanwhile
      throw error; // Node's message names the directory
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path, false);
      else if (entry.isFile() && RECORDING_EXTENSIONS.has(extname(entry.name).toLowerCase())) {
        try {
          const stats = await lstat(path);
          if (stats.isFile()) found.push({ path, size: stats.size, mtimeMs: stats.mtimeMs });
        } catch {
          // Gone between readdir and lstat: nothing to delete.
        }
      }
    }
  };
  await walk(dir, true);
  return found.filter((file) => isInside(dir, file.path));
}

/** Removes the now empty session directories above a deleted file, up to (not incl.) `dir`. */
async function removeEmptyParents(dir: string, from: string): Promise<void> {
  let current = from;
  while (isInside(dir, current)) {
    try {
      await rmdir(current); // fails unless empty, which is the point
    } catch {
      return;
    }
    current = dirname(current);
  }
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !rel.startsWith(sep);
}

function inUse(options: DiskGuardOptions, file: string): boolean {
  try {
    return options.isInUse(file);
  } catch {
    return true; // when in doubt, keep the file
  }
}

function roundMb(bytes: number): number {
  return Math.round((bytes / MB) * 10) / 10;
}

/** Operator words for a recording directory that cannot be checked. */
function unusableDir(dir: string, error: unknown): string {
  switch (errorCode(error)) {
    case 'ENOENT':
      return `recording directory ${dir} does not exist (disk not mounted?)`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `recording directory ${dir} is not a directory`;
    case 'EACCES':
    case 'EPERM':
      return `recording directory ${dir} is not accessible: permission denied`;
    default:
      return `cannot check the free space of recording directory ${dir}: ${describe(error)}`;
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
