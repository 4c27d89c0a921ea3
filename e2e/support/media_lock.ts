// One media end-to-end test file at a time. Their checks are about real time — segments
// keep coming at 1×, a reconnect within 2 s — and two encoders, collectors and browsers at
// once on a 2-core CI machine fall behind live, which is the machine's failure, not theirs.
// Unit tests still run beside them (node --test runs two files at once); a media file that
// finds another one running waits its turn here.
import { rmSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before } from 'node:test';

const LOCK = join(tmpdir(), 'roomcast-media-e2e.lock');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function acquire(): Promise<void> {
  for (;;) {
    try {
      await mkdir(LOCK);
      await writeFile(join(LOCK, 'pid'), String(process.pid));
      // Node runs each test file in a process of its own: released when it exits, after
      // the file's own `after` hooks have stopped what it started.
      process.once('exit', () => rmSync(LOCK, { recursive: true, force: true }));
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
    // A holder that died without releasing (killed test run) does not block forever.
    const holder = Number(await readFile(join(LOCK, 'pid'), 'utf8').catch(() => ''));
    if (holder && !isAlive(holder)) await rm(LOCK, { recursive: true, force: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Call at the top of a media test file, before its own hooks: its tests run while no other
 * media file's do.
 */
export function oneMediaFileAtATime(): void {
  before(acquire);
}
