// Playlists are rewritten every segment while nginx serves them: a viewer must get the old
// file or the new one, never half of one. rename(2) within a directory is atomic, so the
// text goes to a temporary file beside the target first.
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/**
 * Writes `text` to `path` atomically for readers. The temporary name ends in `.tmp` (the
 * janitor removes leftovers of a crash) and is unique per process and call, so concurrent
 * writers of one path never share a temporary file. No fsync: readers need atomicity, not
 * durability; after a power cut the next segment rewrites the playlist anyway.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${(counter++).toString(36)}.tmp`,
  );
  try {
    // 0o644: nginx runs as another user and must read what the agent writes.
    await writeFile(temporary, text, { mode: 0o644 });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    throw error;
  }
}
