import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './playlist_files.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomcast-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates and replaces, leaving no temporary file', async () => {
    const path = join(dir, 'index.m3u8');
    await writeFileAtomic(path, 'one\n');
    assert.equal(await readFile(path, 'utf8'), 'one\n');
    await writeFileAtomic(path, 'two\n');
    assert.equal(await readFile(path, 'utf8'), 'two\n');
    assert.deepEqual(await readdir(dir), ['index.m3u8']);
  });

  it('a reader sees the old or the new text, never a mix or a cut', async () => {
    const path = join(dir, 'index.m3u8');
    const texts = ['a'.repeat(200_000), 'b'.repeat(300_000)];
    await writeFileAtomic(path, texts[0]!);
    let writing = true;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const text = await readFile(path, 'utf8');
        reads++;
        assert.ok(text === texts[0] || text === texts[1], `read ${text.length} bytes`);
      }
    })();
    for (let i = 0; i < 40; i++) await writeFileAtomic(path, texts[i % 2]!);
    writing = false;
    await reader;
    assert.ok(reads > 0);
  });

  it('concurrent writers of one path: one whole text wins, no temporary files', async () => {
    const path = join(dir, 'master.m3u8');
    const texts = Array.from({ length: 20 }, (_, i) => `text ${i}\n`.repeat(1000 + i));
    await Promise.all(texts.map((text) => writeFileAtomic(path, text)));
    assert.ok(texts.includes(await readFile(path, 'utf8')));
    assert.deepEqual(await readdir(dir), ['master.m3u8']);
  });

  it('fails loudly when the directory is missing, leaving nothing behind', async () => {
    await assert.rejects(writeFileAtomic(join(dir, 'no', 'index.m3u8'), 'x'), /ENOENT/);
    assert.deepEqual(await readdir(dir), []);
  });
});
