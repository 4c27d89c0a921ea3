// The box's config directory on a real file system (a temp dir): staging, one-rename
// switches, rollback to exactly what was there, adoption of hand-placed files, pruning.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256 } from '../../core/push/protocol.ts';
import { createBoxStore } from './box_store.ts';

const NONCE = '0123456789abcdef0123456789abcdef';
const files = (tag: string) => [
  { path: 'collector.yaml', content: `collector:\n  nodeId: ${tag}\n`, mode: 0o640 },
  { path: 'collector.env', content: `ROOMCAST_COLLECTOR_NODE_SECRET=secret-${tag}\n`, mode: 0o600 },
];

async function withDir(body: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-box-store-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every entry under dir: kind, mode, and content hash or link target. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (path: string, name: string) => {
    const info = await lstat(path);
    if (info.isSymbolicLink()) out[name] = `-> ${await readlink(path)}`;
    else if (info.isDirectory()) {
      out[name] = `dir ${(info.mode & 0o777).toString(8)}`;
      for (const entry of await readdir(path)) await walk(join(path, entry), `${name}/${entry}`);
    } else {
      out[name] = `${(info.mode & 0o777).toString(8)} ${
        createHash('sha256').update(await readFile(path)).digest('hex').slice(0, 12)
      }`;
    }
  };
  await walk(dir, '.');
  return out;
}

let tick = 0;
const clock = () => new Date(Date.UTC(2026, 5, 1, 8, 0, tick++));

test('nothing yet: the state says so', async () => {
  await withDir(async (dir) => {
    const state = await createBoxStore({ dir, kind: 'collector' }).read(NONCE);
    assert.deepEqual(state, {
      layout: 'none',
      current: null,
      previous: null,
      files: [
        { path: 'collector.yaml', exists: false },
        { path: 'collector.env', exists: false },
      ],
    });
  });
});

test('stage and switch: the unit paths point into the new version; the env is masked on read', async () => {
  await withDir(async (dir) => {
    const store = createBoxStore({ dir, kind: 'collector', now: clock, setOwners: false });
    const unlock = await store.lock();
    const staged = await store.stage(files('one'));
    assert.match(staged.path, /collector\.versions\/\.staging-\d{8}T\d{6}Z-[0-9a-f]{4}$/);
    const before = await store.switchTo(staged);
    await unlock();
    assert.deepEqual(before, { current: null, previous: null });
    assert.equal(
      await readlink(join(dir, 'collector.yaml')),
      'collector.versions/current/collector.yaml',
    );
    assert.equal(await readFile(join(dir, 'collector.env'), 'utf8'), files('one')[1]!.content);
    assert.equal((await stat(join(dir, 'collector.env'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'collector.yaml'))).mode & 0o777, 0o640);
    assert.equal((await stat(join(dir, 'collector.versions'))).mode & 0o777, 0o750);

    const state = await store.read(NONCE);
    assert.equal(state.layout, 'versions');
    assert.equal(state.current, staged.id);
    const [yaml, env] = state.files;
    assert.deepEqual(yaml, {
      path: 'collector.yaml',
      exists: true,
      mode: 0o640,
      sha256: sha256(files('one')[0]!.content),
      text: files('one')[0]!.content,
    });
    assert.equal(env!.sha256, sha256(files('one')[1]!.content));
    assert.ok(!JSON.stringify(state).includes('secret-one'), 'no secret in the state');
  });
});

test('a second switch keeps the first as previous; restore puts back exactly what was there', async () => {
  await withDir(async (dir) => {
    const store = createBoxStore({ dir, kind: 'collector', now: clock, setOwners: false });
    const first = await store.stage(files('one'));
    await store.switchTo(first);
    const snapshot = await tree(dir);

    const second = await store.stage(files('two'));
    const before = await store.switchTo(second);
    assert.deepEqual(before, { current: first.id, previous: null });
    assert.equal(await readlink(join(dir, 'collector.versions/previous')), first.id);
    assert.equal(await readFile(join(dir, 'collector.env'), 'utf8'), files('two')[1]!.content);

    await store.restore(before, second);
    assert.deepEqual(await tree(dir), snapshot, 'byte for byte what was there');
  });
});

test('restoring a first push leaves the directory as empty as it was', async () => {
  await withDir(async (dir) => {
    const store = createBoxStore({ dir, kind: 'encoder', now: clock, setOwners: false });
    const unlock = await store.lock();
    const staged = await store.stage([
      { path: 'encoder.yaml', content: 'encoder: {}\n', mode: 0o640 },
      { path: 'encoder.env', content: '', mode: 0o600 },
    ]);
    await store.restore(await store.switchTo(staged), staged);
    await unlock();
    assert.deepEqual(await readdir(dir), []);
  });
});

test('files put there by hand become a version of their own, byte for byte', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'collector.yaml'), 'collector: {}\n', { mode: 0o640 });
    await writeFile(join(dir, 'collector.env'), 'ROOMCAST_COLLECTOR_STREAM_KEY=k\n', {
      mode: 0o600,
    });
    const store = createBoxStore({ dir, kind: 'collector', now: clock, setOwners: false });
    const state = await store.read(NONCE);
    assert.equal(state.layout, 'files');
    assert.equal(state.files[0]!.mode, 0o640);

    const staged = await store.stage(files('one'));
    const before = await store.switchTo(staged);
    assert.match(before.current!, /-adopted$/);
    await store.restore(before, staged);
    assert.equal(await readFile(join(dir, 'collector.yaml'), 'utf8'), 'collector: {}\n');
    assert.equal((await stat(join(dir, 'collector.yaml'))).mode & 0o777, 0o640);
    assert.equal(
      await readFile(join(dir, 'collector.env'), 'utf8'),
      'ROOMCAST_COLLECTOR_STREAM_KEY=k\n',
    );
  });
});

test('prune keeps current and previous, and clears what killed pushes left', async () => {
  await withDir(async (dir) => {
    const store = createBoxStore({ dir, kind: 'collector', now: clock, setOwners: false });
    const ids = [];
    for (const tag of ['one', 'two', 'three']) {
      const staged = await store.stage(files(tag));
      await store.switchTo(staged);
      ids.push(staged.id);
    }
    await mkdir(join(dir, 'collector.versions/.staging-20260101T000000Z-dead'));
    await symlink(
      'collector.versions/current/collector.yaml',
      join(dir, 'collector.yaml.tmp-0badcafe'),
    );
    await store.prune();
    assert.deepEqual((await readdir(dir)).sort(), [
      'collector.env',
      'collector.versions',
      'collector.yaml',
    ]);
    assert.deepEqual(
      (await readdir(join(dir, 'collector.versions'))).sort(),
      [ids[1], ids[2], 'current', 'previous'].sort(),
    );
  });
});

test('a staged set must be exactly the kind files', async () => {
  await withDir(async (dir) => {
    const store = createBoxStore({ dir, kind: 'collector', setOwners: false });
    await store.lock();
    await assert.rejects(
      store.stage([files('x')[0]!]),
      /a collector config is collector\.yaml and collector\.env/,
    );
  });
});

test('one push at a time; a lock left by a dead push is taken over', async () => {
  await withDir(async (dir) => {
    const store = createBoxStore({ dir, kind: 'collector', setOwners: false });
    const unlock = await store.lock();
    await assert.rejects(store.lock(), /another push is changing the collector config/);
    await unlock();
    await mkdir(join(dir, 'collector.versions'), { recursive: true });
    await writeFile(join(dir, 'collector.versions/.lock'), '999999999\n');
    const again = await store.lock();
    await again();
  });
});
