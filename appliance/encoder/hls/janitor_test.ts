import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lutimes, mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sweepHlsRoot, sweepRoomDir } from './janitor.ts';

const HOUR = 3_600_000;
const old = new Date(Date.now() - 2 * HOUR);

let scratch = '';
let root = '';
let outside = '';

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'roomcast-janitor-'));
  root = join(scratch, 'hls');
  outside = join(scratch, 'outside');
  await mkdir(root);
  await mkdir(outside);
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Creates files (relative to `base`), backdated unless listed in `fresh`. */
async function files(base: string, names: string[], fresh: string[] = []) {
  for (const name of [...names, ...fresh]) {
    const path = join(base, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, name);
    if (!fresh.includes(name)) await utimes(path, old, old);
  }
}

/** Backdates directories too: creating files touched them. */
async function backdateDirs(...dirs: string[]) {
  for (const dir of dirs) await utimes(dir, old, old);
}

/** Every path under `dir`, not descending into symbolic links (unlike readdir's recursive). */
async function tree(dir: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const name = prefix + entry.name;
    found.push(name);
    if (entry.isDirectory()) found.push(...await tree(join(dir, entry.name), `${name}/`));
  }
  return found.sort();
}

describe('sweepRoomDir', () => {
  it('removes old, unreferenced run files and temporaries; keeps the rest', async () => {
    const room = join(root, 'alpha');
    await files(
      room,
      [
        '720p/r1-0.m4s', // an old run's segment nobody lists
        '720p/r1-1.m4s', // still kept
        '720p/r1-init.mp4', // still kept
        '720p/r1.m3u8', // the dead run's private playlist
        '720p/.index.m3u8.999.0.tmp', // a crash between write and rename
        '720p/r2-5.m4s.tmp', // ffmpeg's temp_file leftover
        '720p/index.m3u8', // public: only removed with the room
        '720p/notes.txt', // not ours
        'audio/r1-0.m4s',
        'master.m3u8',
      ],
      ['720p/r2-0.m4s', '720p/r2.m3u8'], // the running ffmpeg's: too young
    );
    await writeFile(join(outside, 'r9-1.m4s'), 'outside');
    await utimes(join(outside, 'r9-1.m4s'), old, old);
    await symlink(join(outside, 'r9-1.m4s'), join(room, '720p', 'r9-1.m4s'));
    await lutimes(join(room, '720p', 'r9-1.m4s'), old, old);
    await files(outside, ['r1-0.m4s']);
    await symlink(outside, join(room, '1080p'));

    const removed = await sweepRoomDir(room, {
      keep: new Map([['720p', new Set(['r1-1.m4s', 'r1-init.mp4'])]]),
      olderThanMs: HOUR,
    });
    assert.deepEqual(removed.sort(), [
      '720p/.index.m3u8.999.0.tmp',
      '720p/r1-0.m4s',
      '720p/r1.m3u8',
      '720p/r2-5.m4s.tmp',
      'audio/r1-0.m4s',
    ]);
    assert.deepEqual(await tree(room), [
      '1080p',
      '720p',
      '720p/index.m3u8',
      '720p/notes.txt',
      '720p/r1-1.m4s',
      '720p/r1-init.mp4',
      '720p/r2-0.m4s',
      '720p/r2.m3u8',
      '720p/r9-1.m4s',
      'audio',
      'master.m3u8',
    ]);
    assert.deepEqual(await tree(outside), ['r1-0.m4s', 'r9-1.m4s']);
  });

  it('takes a predicate and an injected clock', async () => {
    const room = join(root, 'beta');
    await files(room, ['720p/r1-0.m4s', '720p/r1-1.m4s'], ['720p/r1-2.m4s']);
    const keep = (rendition: string, file: string) => rendition === '720p' && file === 'r1-1.m4s';
    assert.deepEqual(await sweepRoomDir(room, { keep, olderThanMs: 3 * HOUR }), []);
    const removed = await sweepRoomDir(room, {
      keep,
      olderThanMs: 3 * HOUR,
      now: Date.now() + 4 * HOUR,
    });
    assert.deepEqual(removed.sort(), ['720p/r1-0.m4s', '720p/r1-2.m4s']);
  });

  it('a missing room directory is nothing to do', async () => {
    assert.deepEqual(
      await sweepRoomDir(join(root, 'nope'), { keep: () => false, olderThanMs: 0 }),
      [],
    );
  });
});

describe('sweepHlsRoot', () => {
  const roomFiles = [
    'master.m3u8',
    '720p/index.m3u8',
    '720p/r1-0.m4s',
    '720p/r1-init.mp4',
    '720p/r1.m3u8',
    'audio/index.m3u8',
    'audio/r1-0.m4s',
  ];

  it('removes rooms gone quiet for longer than the grace period, and only those', async () => {
    for (const room of ['gone', 'live', 'recent', 'odd']) {
      await files(join(root, room), roomFiles, room === 'recent' ? ['720p/r2-0.m4s'] : []);
    }
    await files(join(root, 'odd'), ['720p/keep.txt']);
    await mkdir(join(root, 'client_body_temp'));
    await files(root, ['nginx.conf']);
    await files(join(outside, 'room'), roomFiles);
    await symlink(join(outside, 'room'), join(root, 'linked'));
    for (const room of ['gone', 'live', 'recent', 'odd']) {
      const dir = join(root, room);
      await backdateDirs(join(dir, '720p'), join(dir, 'audio'), dir);
    }
    await backdateDirs(join(root, 'client_body_temp'), join(outside, 'room'));

    const removed = await sweepHlsRoot(root, new Set(['live']), HOUR);
    assert.deepEqual(removed, ['gone']);
    assert.equal(existsSync(join(root, 'gone')), false);
    assert.deepEqual(await tree(join(root, 'live')), await tree(join(outside, 'room')));
    assert.ok(existsSync(join(root, 'recent', '720p', 'r1-0.m4s')), 'a fresh file keeps the room');
    // Not ours: stays, and so do the directories holding it; our files went.
    assert.deepEqual(await tree(join(root, 'odd')), ['720p', '720p/keep.txt']);
    assert.ok(existsSync(join(root, 'client_body_temp')), 'no HLS file: not a room');
    assert.ok(existsSync(join(root, 'nginx.conf')));
    assert.ok(existsSync(join(root, 'linked')));
    assert.equal((await tree(join(outside, 'room'))).length, roomFiles.length + 2);
  });

  it('waits for the grace period: a room that just went idle stays', async () => {
    await files(join(root, 'idle'), roomFiles, ['720p/r1-1.m4s']);
    assert.deepEqual(await sweepHlsRoot(root, new Set(), HOUR), []);
    assert.deepEqual(await sweepHlsRoot(root, new Set(), HOUR, Date.now() + 2 * HOUR), ['idle']);
    assert.deepEqual(await readdir(root), []);
  });

  it('a missing root is nothing to do', async () => {
    assert.deepEqual(await sweepHlsRoot(join(scratch, 'nope'), new Set(), 0), []);
  });
});
