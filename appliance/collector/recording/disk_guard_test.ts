import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { createMemoryLogger } from '../../../core/log.ts';
import { createDiskGuard, type DiskGuardOptions } from './disk_guard.ts';

const MB = 1024 * 1024;

/** A tmp dir with `recordings/` inside (the guarded dir) and room for things outside it. */
async function withTmp(body: (root: string, dir: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'disk-guard-'));
  try {
    await body(root, join(root, 'recordings'));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Writes `sizeMb` MiB at `path` with an mtime `ageMinutes` in the past. */
async function put(path: string, sizeMb: number, ageMinutes: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, Buffer.alloc(Math.round(sizeMb * MB)));
  const when = new Date(Date.now() - ageMinutes * 60_000);
  await utimes(path, when, when);
}

/** Regular files under `dir` (symlinks not followed), relative, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/** A simulated disk of `capacityMb`: free space is capacity minus the files under `dir`. */
function fakeDisk(capacityMb: number): (dir: string) => Promise<number> {
  return async (dir) => {
    let used = 0;
    for (const file of await filesUnder(dir)) used += (await lstat(join(dir, file))).size;
    return capacityMb * MB - used;
  };
}

function guardOptions(dir: string, overrides: Partial<DiskGuardOptions>) {
  const log = createMemoryLogger('recorder');
  const options: DiskGuardOptions = {
    dir,
    minFreeMb: 3,
    pauseBelowMb: 1,
    rotateOldest: true,
    isInUse: () => false,
    freeBytes: fakeDisk(10),
    log,
    ...overrides,
  };
  return { options, log };
}

// Five 1 MiB segments of two sessions, oldest first: a-0 (50 min) … b-1 (10 min).
const SEGMENTS = [
  'main-hall/2024-05-01T09-00/seg-000.ts',
  'main-hall/2024-05-01T09-00/seg-001.ts',
  'main-hall/2024-05-01T10-00/seg-000.ts',
  'main-hall/2024-05-01T10-00/seg-001.mp4',
  'main-hall/2024-05-01T10-00/seg-002.ts',
];

async function putSegments(dir: string): Promise<void> {
  for (const [i, name] of SEGMENTS.entries()) await put(join(dir, name), 1, 50 - i * 10);
}

test('nothing is deleted while there is enough free space', async () => {
  await withTmp(async (_root, dir) => {
    await putSegments(dir);
    const { options, log } = guardOptions(dir, { freeBytes: fakeDisk(10) });
    const report = await createDiskGuard(options).check();
    assert.deepEqual(report, {
      diskFreeMb: 5,
      lowDisk: false,
      pause: false,
      deleted: [],
      error: null,
    });
    assert.deepEqual(await filesUnder(dir), SEGMENTS.slice().sort());
    assert.deepEqual(log.lines, []);
  });
});

test('the oldest recordings go first, one at a time, until enough is free', async () => {
  await withTmp(async (_root, dir) => {
    await putSegments(dir);
    // 6 MiB disk, 5 MiB used: 1 MiB free, 3 wanted, so the two oldest go.
    const { options, log } = guardOptions(dir, { freeBytes: fakeDisk(6) });
    const report = await createDiskGuard(options).check();
    assert.deepEqual(report, {
      diskFreeMb: 3,
      lowDisk: false,
      pause: false,
      deleted: SEGMENTS.slice(0, 2),
      error: null,
    });
    assert.deepEqual(await filesUnder(dir), SEGMENTS.slice(2).sort());
    assert.ok(!existsSync(join(dir, 'main-hall/2024-05-01T09-00')), 'empty session dir left');
    assert.ok(existsSync(join(dir, 'main-hall')), 'the room dir still has a session');
    assert.deepEqual(log.lines, [
      '[recorder] WARN deleted the oldest recording to free disk space ' +
      'file=main-hall/2024-05-01T09-00/seg-000.ts sizeMb=1',
      '[recorder] WARN deleted the oldest recording to free disk space ' +
      'file=main-hall/2024-05-01T09-00/seg-001.ts sizeMb=1',
    ]);
  });
});

test('the file being written is never deleted, even when it is the oldest', async () => {
  await withTmp(async (_root, dir) => {
    await putSegments(dir);
    const asked: string[] = [];
    const { options } = guardOptions(dir, {
      freeBytes: fakeDisk(6),
      isInUse: (file) => {
        asked.push(file);
        return file.endsWith('09-00/seg-000.ts');
      },
    });
    const report = await createDiskGuard(options).check();
    assert.deepEqual(report.deleted, [SEGMENTS[1], SEGMENTS[2]]);
    assert.ok(existsSync(join(dir, SEGMENTS[0]!)));
    assert.equal(asked[0], join(dir, SEGMENTS[0]!), 'isInUse gets the absolute path');
    assert.equal(report.lowDisk, false);
  });
});

test('an isInUse that throws keeps the file', async () => {
  await withTmp(async (_root, dir) => {
    await putSegments(dir);
    const { options } = guardOptions(dir, {
      freeBytes: fakeDisk(6),
      isInUse: () => {
        throw new Error('recorder state unknown');
      },
    });
    const report = await createDiskGuard(options).check();
    assert.deepEqual(report.deleted, []);
    assert.equal(report.lowDisk, true);
    assert.deepEqual(await filesUnder(dir), SEGMENTS.slice().sort());
  });
});

test('rotateOldest false deletes nothing but reports low disk', async () => {
  await withTmp(async (_root, dir) => {
    await putSegments(dir);
    const { options } = guardOptions(dir, { freeBytes: fakeDisk(6), rotateOldest: false });
    const report = await createDiskGuard(options).check();
    assert.deepEqual(report, {
      diskFreeMb: 1,
      lowDisk: true,
      pause: false,
      deleted: [],
      error: null,
    });
    assert.deepEqual(await filesUnder(dir), SEGMENTS.slice().sort());
  });
});

test('pause below the pause threshold when nothing more can be deleted', async () => {
  await withTmp(async (_root, dir) => {
    await putSegments(dir);
    const recordingNow = join(dir, SEGMENTS[4]!);
    // 5.5 MiB disk: 0.5 MiB free. Everything but the file being written goes: 4.5 MiB free.
    const { options } = guardOptions(dir, {
      freeBytes: fakeDisk(5.5),
      minFreeMb: 5,
      pauseBelowMb: 1,
      isInUse: (file) => file === recordingNow,
    });
    const guard = createDiskGuard(options);
    const first = await guard.check();
    assert.deepEqual(first, {
      diskFreeMb: 4.5,
      lowDisk: true,
      pause: false,
      deleted: SEGMENTS.slice(0, 4),
      error: null,
    });
    assert.deepEqual(await filesUnder(dir), [SEGMENTS[4]]);
    // The recording grows by 4 MiB: 0.5 MiB free, below the pause threshold.
    await put(recordingNow, 5, 0);
    const second = await guard.check();
    assert.deepEqual(second, {
      diskFreeMb: 0.5,
      lowDisk: true,
      pause: true,
      deleted: [],
      error: null,
    });
  });
});

test('files that are not recordings and symlinks are never touched', async () => {
  await withTmp(async (root, dir) => {
    await put(join(dir, 'main-hall/s1/seg-000.ts'), 1, 30);
    await put(join(dir, 'main-hall/s1/index.m3u8'), 0.5, 100);
    await put(join(dir, 'main-hall/s1/notes.txt'), 0.5, 100);
    await put(join(dir, 'main-hall/s1/seg-000.ts.part'), 0.5, 100);
    // Old recordings outside the dir, reachable only through symlinks.
    await put(join(root, 'elsewhere/keynote.ts'), 1, 500);
    await put(join(root, 'elsewhere/session/seg-000.ts'), 1, 500);
    await symlink(join(root, 'elsewhere/keynote.ts'), join(dir, 'main-hall/s1/linked.ts'));
    await symlink(join(root, 'elsewhere/session'), join(dir, 'main-hall/linked-session'));
    await symlink(join(root, 'elsewhere/missing.ts'), join(dir, 'main-hall/s1/dangling.ts'));

    const { options } = guardOptions(dir, { freeBytes: fakeDisk(4), minFreeMb: 3.5 });
    const report = await createDiskGuard(options).check();
    assert.deepEqual(report.deleted, ['main-hall/s1/seg-000.ts']);
    assert.equal(report.lowDisk, true);
    assert.deepEqual(await filesUnder(dir), [
      'main-hall/s1/index.m3u8',
      'main-hall/s1/notes.txt',
      'main-hall/s1/seg-000.ts.part',
    ]);
    assert.deepEqual(await filesUnder(join(root, 'elsewhere')), [
      'keynote.ts',
      'session/seg-000.ts',
    ]);
    for (const link of ['s1/linked.ts', 'linked-session', 's1/dangling.ts']) {
      assert.ok((await lstat(join(dir, 'main-hall', link))).isSymbolicLink(), link);
    }
  });
});

test('a missing, vanished or unreadable dir is an error value, never a throw', async () => {
  await withTmp(async (root, dir) => {
    // Not there yet: created (mkdir -p), then checked.
    const nested = join(dir, 'not/yet');
    const { options, log } = guardOptions(nested, { freeBytes: fakeDisk(10) });
    const guard = createDiskGuard(options);
    assert.equal((await guard.check()).error, null);
    assert.ok(existsSync(nested));

    // Vanished later (an unmounted disk): reported, and not made again on the system disk.
    await rm(dir, { recursive: true });
    const vanished = await guard.check();
    assert.deepEqual(vanished, {
      diskFreeMb: 0,
      lowDisk: true,
      pause: false,
      deleted: [],
      error: `recording directory ${nested} does not exist (disk not mounted?)`,
    });
    assert.ok(!existsSync(nested));
    await guard.check();
    assert.equal(log.lines.filter((line) => line.includes('does not exist')).length, 1);

    // A file where the dir should be.
    const file = join(root, 'a-file');
    await writeFile(file, 'x');
    const notDir = await createDiskGuard(guardOptions(file, {}).options).check();
    assert.equal(notDir.error, `recording directory ${file} is not a directory`);
    assert.equal(notDir.lowDisk, true);
    assert.equal(notDir.pause, false);

    // statfs failing, with the default statfs on a real dir for contrast.
    const real = join(root, 'real');
    const failing = guardOptions(real, {
      freeBytes: () => Promise.reject(new Error('EIO: i/o error, statfs')),
    });
    const ioError = await createDiskGuard(failing.options).check();
    assert.equal(
      ioError.error,
      `cannot check the free space of recording directory ${real}: EIO: i/o error, statfs`,
    );
    assert.equal(ioError.lowDisk, true);
    const withStatfs = guardOptions(real, { freeBytes: undefined });
    const measured = await createDiskGuard(withStatfs.options).check();
    assert.equal(measured.error, null);
    assert.ok(measured.diskFreeMb > 0);
  });
});

test('low disk is logged once when it starts and once when it ends', async () => {
  await withTmp(async (_root, dir) => {
    await putSegments(dir);
    let capacityMb = 6;
    const { options, log } = guardOptions(dir, {
      rotateOldest: false,
      freeBytes: (d) => fakeDisk(capacityMb)(d),
    });
    const guard = createDiskGuard(options);
    for (let i = 0; i < 3; i++) assert.equal((await guard.check()).lowDisk, true);
    capacityMb = 20;
    for (let i = 0; i < 2; i++) assert.equal((await guard.check()).lowDisk, false);
    assert.deepEqual(log.lines, [
      '[recorder] WARN low disk: recordings may be deleted or paused freeMb=1 minFreeMb=3',
      '[recorder] disk space back above the minimum freeMb=15',
    ]);
  });
});
