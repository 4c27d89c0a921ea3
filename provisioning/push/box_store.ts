// On the box: the config files of one kind in the config directory, kept in versions and
// switched as a whole.
//
//   /etc/roomcast/collector.yaml -> collector.versions/current/collector.yaml
//   /etc/roomcast/collector.env  -> collector.versions/current/collector.env
//   /etc/roomcast/collector.versions/current  -> 20260601T080000Z-3f2a
//   /etc/roomcast/collector.versions/previous -> 20260530T170000Z-91c0
//   /etc/roomcast/collector.versions/20260601T080000Z-3f2a/collector.yaml (0640), .env (0600)
//
// The unit reads /etc/roomcast/collector.yaml and .env (systemd/roomcast-collector.service).
// Both go through `current`, so one rename(2) of a new symlink over `current` switches the
// config and its secrets together: a unit that starts at any moment sees the old pair or
// the new pair, never one of each. A new version is written under `.staging-<id>` first
// and only becomes `<id>` once the box's own checks accepted it.
//
// Owners follow provisioning: directories and configs root:<group of the config dir>
// (root:roomcast), env files root:root 0600, so only systemd reads the secrets.
import { randomBytes } from 'node:crypto';
import {
  chmod,
  chown,
  copyFile,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  rmdir,
  stat,
  symlink,
  unlink,
} from 'node:fs/promises';
import { join } from 'node:path';
import {
  boxFileNames,
  type BoxFileState,
  type BoxKind,
  isSecretFile,
  maskEnvText,
  type PushedFile,
  sha256,
} from '../../core/push/protocol.ts';

export interface BoxLayout {
  layout: 'none' | 'files' | 'versions';
  current: string | null;
  previous: string | null;
  files: BoxFileState[];
}

export interface Staged {
  id: string;
  /** The directory holding the new files (`<kind>.versions/.staging-<id>`). */
  path: string;
}

/** Where the pointers stood before a switch: what a rollback puts back. */
export interface Before {
  current: string | null;
  previous: string | null;
}

export interface BoxStore {
  readonly dir: string;
  readonly kind: BoxKind;
  /** What the box has now; env files masked with `nonce`. */
  read(nonce: string): Promise<BoxLayout>;
  /** One push at a time per kind; resolves to the unlock function. */
  lock(): Promise<() => Promise<void>>;
  /** Writes the files into a new staging directory (synced to disk). */
  stage(files: PushedFile[]): Promise<Staged>;
  discard(staged: Staged): Promise<void>;
  /** Makes the staged version current (the old current becomes `previous`). */
  switchTo(staged: Staged): Promise<Before>;
  /** Puts the pointers back as they were and removes the version that failed. */
  restore(before: Before, failed: Staged): Promise<void>;
  /** Removes every version but current and previous, and leftovers of killed pushes. */
  prune(): Promise<void>;
}

export interface BoxStoreOptions {
  dir: string;
  kind: BoxKind;
  now?: () => Date;
  /** Set owners as provisioning does (needs root); default: when running as root. */
  setOwners?: boolean;
}

const VERSION_ID = /^\d{8}T\d{6}Z-[0-9a-f]{4}(?:-adopted)?$/;

const errno = (error: unknown) => (error as { code?: string }).code;

async function readlinkOrNull(path: string): Promise<string | null> {
  try {
    return await readlink(path);
  } catch (error) {
    if (errno(error) === 'ENOENT' || errno(error) === 'EINVAL') return null;
    throw error;
  }
}

async function lstatOrNull(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if (errno(error) === 'ENOENT') return null;
    throw error;
  }
}

/** Replaces `path` by a symlink to `target` in one rename(2). */
async function swapSymlink(path: string, target: string): Promise<void> {
  const temporary = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  await symlink(target, temporary);
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}

/** fsync of a directory, so renames in it survive a power cut at the venue. */
async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeSynced(path: string, content: string, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(path, mode); // open's mode went through the umask
}

/** Whether `pid` is a `roomcast box session` still running (not a reused pid). */
async function pushAlive(pid: number): Promise<boolean> {
  if (pid === process.pid) return true;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
  if (cmdline !== null) return cmdline.split('\0').includes('session');
  try {
    process.kill(pid, 0); // no /proc: a live pid will do
    return true;
  } catch (error) {
    return errno(error) === 'EPERM';
  }
}

export function createBoxStore(options: BoxStoreOptions): BoxStore {
  const { dir, kind } = options;
  const now = options.now ?? (() => new Date());
  const setOwners = options.setOwners ?? process.getuid?.() === 0;
  const names = boxFileNames(kind);
  const versions = join(dir, `${kind}.versions`);
  const currentLink = join(versions, 'current');
  const previousLink = join(versions, 'previous');
  /** What <dir>/<name> points at: relative, so the tree can be moved or inspected. */
  const topTarget = (name: string) => `${kind}.versions/current/${name}`;

  const newId = (suffix = '') =>
    `${now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${
      randomBytes(2).toString('hex')
    }${suffix}`;

  const own = async (path: string, secret: boolean) => {
    if (!setOwners) return;
    await chown(path, 0, secret ? 0 : (await stat(dir)).gid);
  };

  const makeDir = async (path: string) => {
    await mkdir(path, { mode: 0o750 });
    await chmod(path, 0o750);
    await own(path, false);
  };

  const ensureVersions = async () => {
    if (!(await lstatOrNull(versions))) await makeDir(versions);
  };

  const pointers = async (): Promise<Before> => ({
    current: await readlinkOrNull(currentLink),
    previous: await readlinkOrNull(previousLink),
  });

  /** True when <dir>/<name> are plain files (put there by hand, before any push). */
  const hasPlainFiles = async () => {
    for (const name of names) {
      if ((await lstatOrNull(join(dir, name)))?.isFile()) return true;
    }
    return false;
  };

  const fileState = async (name: string, nonce: string): Promise<BoxFileState> => {
    const path = join(dir, name);
    let text: string;
    let mode: number;
    try {
      text = await readFile(path, 'utf8');
      mode = (await stat(path)).mode & 0o777;
    } catch (error) {
      if (errno(error) === 'ENOENT') return { path: name, exists: false };
      throw error;
    }
    return {
      path: name,
      exists: true,
      mode,
      sha256: sha256(text),
      ...(isSecretFile(name) ? { masked: maskEnvText(text, nonce) } : { text }),
    };
  };

  /** Makes plain files a version of their own, so they can be switched back to. */
  const adoptPlainFiles = async (): Promise<string> => {
    const id = newId('-adopted');
    const target = join(versions, id);
    await makeDir(target);
    for (const name of names) {
      const source = join(dir, name);
      const info = await lstatOrNull(source);
      if (!info?.isFile()) continue;
      await copyFile(source, join(target, name));
      await chmod(join(target, name), info.mode & 0o777);
      if (setOwners) await chown(join(target, name), info.uid, info.gid);
    }
    await swapSymlink(currentLink, id);
    return id;
  };

  /** <dir>/<name> → <kind>.versions/current/<name>, whatever they were before. */
  const linkTopFiles = async () => {
    for (const name of names) {
      const path = join(dir, name);
      if ((await readlinkOrNull(path)) !== topTarget(name)) {
        await swapSymlink(path, topTarget(name));
      }
    }
  };

  return {
    dir,
    kind,

    async read(nonce) {
      const { current, previous } = await pointers();
      const files = await Promise.all(names.map((name) => fileState(name, nonce)));
      const layout = (await hasPlainFiles()) ? 'files' : current ? 'versions' : 'none';
      return { layout, current, previous, files };
    },

    async lock() {
      await ensureVersions();
      const path = join(versions, '.lock');
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          await writeSynced(path, `${process.pid}\n`, 0o600);
          return async () => {
            await unlink(path).catch(() => {});
            // A versions directory this push made and left empty (refused first push) goes.
            await rmdir(versions).catch(() => {});
          };
        } catch (error) {
          if (errno(error) !== 'EEXIST') throw error;
          const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
          if (Number.isInteger(holder) && holder > 0 && (await pushAlive(holder))) {
            throw new Error(
              `another push is changing the ${kind} config on this box (pid ${holder})`,
            );
          }
          await unlink(path).catch(() => {}); // left by a push that was killed
        }
      }
      throw new Error(`cannot take the lock ${path}`);
    },

    async stage(files) {
      const given = files.map((file) => file.path).sort();
      if (given.join(',') !== [...names].sort().join(',')) {
        throw new Error(`a ${kind} config is ${names.join(' and ')} (got ${given.join(', ')})`);
      }
      await ensureVersions();
      const id = newId();
      const path = join(versions, `.staging-${id}`);
      await makeDir(path);
      for (const file of files) {
        const target = join(path, file.path);
        await writeSynced(target, file.content, file.mode);
        await own(target, isSecretFile(file.path));
      }
      await syncDir(path);
      return { id, path };
    },

    async discard(staged) {
      await rm(staged.path, { recursive: true, force: true });
    },

    async switchTo(staged) {
      if (await hasPlainFiles()) await adoptPlainFiles();
      const before = await pointers();
      await rename(staged.path, join(versions, staged.id));
      if (before.current) await swapSymlink(previousLink, before.current);
      await swapSymlink(currentLink, staged.id);
      await linkTopFiles();
      await syncDir(versions);
      await syncDir(dir);
      return before;
    },

    async restore(before, failed) {
      if (before.current) {
        await swapSymlink(currentLink, before.current);
      } else {
        await unlink(currentLink).catch(() => {});
        for (const name of names) {
          const path = join(dir, name);
          if ((await readlinkOrNull(path)) === topTarget(name)) await unlink(path);
        }
      }
      if (before.previous) await swapSymlink(previousLink, before.previous);
      else await unlink(previousLink).catch(() => {});
      await rm(join(versions, failed.id), { recursive: true, force: true });
      await rm(failed.path, { recursive: true, force: true });
      await syncDir(versions);
      await syncDir(dir);
    },

    async prune() {
      for (const entry of await readdir(dir)) {
        // A symlink swap of <dir>/<name> that a killed push left half done.
        const stray = names.some((name) => entry.startsWith(`${name}.tmp-`));
        if (stray && /\.tmp-[0-9a-f]{8}$/.test(entry)) await unlink(join(dir, entry));
      }
      const { current, previous } = await pointers();
      for (const entry of await readdir(versions)) {
        const leftover = entry.startsWith('.staging-') || /\.tmp-[0-9a-f]{8}$/.test(entry);
        const old = VERSION_ID.test(entry) && entry !== current && entry !== previous;
        if (leftover || old) await rm(join(versions, entry), { recursive: true, force: true });
      }
    },
  };
}
