// setup-box.sh for real, in clean root directories (`--root`): what a first run makes —
// the user, its groups, every directory's owner and mode, the code, the kind's units, the
// udev rule — and that a second run changes nothing, byte for byte, owner for owner. The
// script creates users and hands files to them, so these tests need root (CI runs them as
// uid 0); as anyone else they fail and say so.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmod,
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { type Role, ROLES } from '../core/requirements/catalogue.ts';
import { packagesOf, readPackageList } from '../core/requirements/package_list.ts';

const CHECKOUT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = join(CHECKOUT, 'provisioning/setup-box.sh');
const UDEV_RULE = join(CHECKOUT, 'provisioning/udev/60-roomcast-decklink.rules');
const KINDS = ['collector', 'encoder'] as const;
type Kind = (typeof KINDS)[number];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function setupBox(args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const result = spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8', env });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function show(run: Run): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}`;
}

/** The `N changed, M unchanged` line a run ends with. */
function summary(run: Run): { changed: number; unchanged: number } {
  const match = /^(\d+) changed, (\d+) unchanged$/m.exec(run.stdout.trimEnd().split('\n').at(-1)!);
  assert.ok(match, `no summary line at the end:\n${show(run)}`);
  return { changed: Number(match[1]), unchanged: Number(match[2]) };
}

function provision(kind: Kind, root: string, source?: string): Run {
  const args = [kind, '--root', root, '--no-packages'];
  if (source !== undefined) args.push('--source', source);
  const run = setupBox(args);
  assert.equal(run.code, 0, show(run));
  return run;
}

function needRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'these tests need root (uid 0): setup-box.sh creates the roomcast user and chowns ' +
        'files to it; run them as root (CI does), e.g. in a container',
    );
  }
}

const scratch: string[] = [];
after(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/**
 * The /etc of a fresh Debian 12 root, as far as useradd and groupadd look: base-passwd's
 * passwd and group (with the shadow marker `x`), matching shadow and gshadow, the host's
 * login.defs (system id range) and a nologin for the new user's shell.
 */
async function freshRoot(): Promise<string> {
  const root = await tempDir('roomcast-root-');
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(join(root, 'usr/sbin'), { recursive: true });
  const entries = async (file: string) =>
    (await readFile(file, 'utf8')).trim().split('\n').map((line) => line.split(':'));
  const passwd = await entries('/usr/share/base-passwd/passwd.master');
  const group = await entries('/usr/share/base-passwd/group.master');
  const lines = (rows: string[][]) => rows.map((row) => row.join(':') + '\n').join('');
  await writeFile(join(root, 'etc/passwd'), lines(passwd.map((f) => [f[0]!, 'x', ...f.slice(2)])));
  await writeFile(join(root, 'etc/group'), lines(group.map((f) => [f[0]!, 'x', ...f.slice(2)])));
  await writeFile(
    join(root, 'etc/shadow'),
    lines(passwd.map((f) => [f[0]!, '*', '19000', '0', '99999', '7', '', '', ''])),
    { mode: 0o640 },
  );
  await writeFile(join(root, 'etc/gshadow'), lines(group.map((f) => [f[0]!, '*', '', ''])), {
    mode: 0o640,
  });
  await copyFile('/etc/login.defs', join(root, 'etc/login.defs'));
  await copyFile('/usr/sbin/nologin', join(root, 'usr/sbin/nologin'));
  return root;
}

/** A small source tree (not a git checkout): what --source copies and what it leaves out. */
const FIXTURE: Record<string, { text: string; mode?: number }> = {
  'package.json': { text: '{ "name": "roomcast-fixture", "private": true }\n' },
  'package-lock.json': { text: '{ "lockfileVersion": 3, "packages": {} }\n' },
  'bin/roomcast.js': { text: '#!/usr/bin/env node\nconsole.log("fixture");\n', mode: 0o755 },
  'core/config/schema.ts': { text: 'export const fixture = 1;\n' },
  'systemd/roomcast-edge.service': { text: '[Unit]\nDescription=fixture edge\n' },
  'systemd/roomcast-collector.service': { text: '[Unit]\nDescription=fixture collector\n' },
  'systemd/roomcast-encoder.service': { text: '[Unit]\nDescription=fixture encoder\n' },
  'systemd/roomcast-watchdog@.service': {
    text: '[Unit]\nDescription=fixture watchdog of the %i\n',
  },
  'systemd/README.md': { text: '# units\n' },
};
const LEFT_OUT = ['node_modules/dep/index.js', 'web/node_modules/dep/index.js'];

async function writeTree(dir: string, files: Record<string, { text: string; mode?: number }>) {
  for (const [path, { text, mode }] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
    await chmod(join(dir, path), mode ?? 0o644);
  }
}

async function fixtureSource(): Promise<string> {
  const source = await tempDir('roomcast-source-');
  await writeTree(source, FIXTURE);
  await writeTree(source, Object.fromEntries(LEFT_OUT.map((path) => [path, { text: 'no\n' }])));
  return source;
}

/** Every entry under `root`: type, mode, owner, and the content's hash or link target. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(dir: string, rel: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const info = await lstat(path);
      const meta = `${(info.mode & 0o7777).toString(8)} ${info.uid}:${info.gid}`;
      const relPath = `${rel}/${name}`;
      if (info.isDirectory()) {
        out.set(relPath, `dir ${meta}`);
        await walk(path, relPath);
      } else if (info.isSymbolicLink()) {
        out.set(relPath, `link ${meta} -> ${await readlink(path)}`);
      } else {
        const hash = createHash('sha256').update(await readFile(path)).digest('hex');
        out.set(relPath, `file ${meta} ${hash}`);
      }
    }
  }
  await walk(root, '');
  return out;
}

async function entry(root: string, file: string, name: string) {
  const line = (await readFile(join(root, file), 'utf8')).split('\n').find((l) =>
    l.startsWith(`${name}:`)
  );
  return line?.split(':');
}

async function owner(path: string): Promise<string> {
  const info = await stat(path);
  return `${info.uid}:${info.gid} ${(info.mode & 0o7777).toString(8).padStart(4, '0')}`;
}

async function exists(path: string): Promise<boolean> {
  return await lstat(path).then(() => true, () => false);
}

const UNITS: Record<Kind, string[]> = {
  collector: ['roomcast-collector.service', 'roomcast-watchdog@.service'],
  encoder: ['roomcast-encoder.service', 'roomcast-watchdog@.service'],
};

describe('setup-box.sh on a clean root, run twice', () => {
  for (const kind of KINDS) {
    test(`${kind}: the first run sets the box up, the second changes nothing`, async () => {
      needRoot();
      const root = await freshRoot();
      const source = await fixtureSource();

      const first = provision(kind, root, source);
      assert.ok(summary(first).changed > 0, show(first));
      assert.match(first.stdout, /^changed: user roomcast created \(uid \d+\)/m);

      // A system user and group: ids in Debian's system range, no password, no login shell.
      const user = await entry(root, 'etc/passwd', 'roomcast');
      const group = await entry(root, 'etc/group', 'roomcast');
      assert.ok(user && group, 'roomcast is in passwd and group');
      const [uid, gid] = [Number(user[2]), Number(group[2])];
      assert.ok(uid >= 100 && uid <= 999, `uid ${uid} is a system uid`);
      assert.ok(gid >= 100 && gid <= 999, `gid ${gid} is a system gid`);
      assert.deepEqual(user.slice(3), [
        String(gid),
        'roomcast appliance',
        '/var/lib/roomcast',
        '/usr/sbin/nologin',
      ]);
      assert.match((await entry(root, 'etc/shadow', 'roomcast'))?.[1] ?? '', /^[!*]/);
      assert.ok(await entry(root, 'etc/gshadow', 'roomcast'), 'roomcast is in gshadow');

      // Capture devices: only a collector's user joins video and audio.
      for (const name of ['video', 'audio']) {
        const members = (await entry(root, 'etc/group', name))?.[3]?.split(',') ?? [];
        assert.equal(members.includes('roomcast'), kind === 'collector', `${name}: ${members}`);
      }

      const dirs: [string, string][] = [
        ['/opt/roomcast', '0:0 0755'],
        ['/etc/roomcast', `0:${gid} 0750`],
        ['/var/lib/roomcast', `${uid}:${gid} 0750`],
        [`/var/lib/roomcast/${kind}`, `${uid}:${gid} 0750`],
      ];
      if (kind === 'collector') {
        dirs.push(['/var/lib/roomcast/collector/recordings', `${uid}:${gid} 0750`]);
      }
      for (const [path, want] of dirs) assert.equal(await owner(join(root, path)), want, path);
      assert.equal(
        await exists(join(root, '/var/lib/roomcast/collector/recordings')),
        kind === 'collector',
      );
      // Configs and secrets are the pusher's: the script writes none.
      assert.deepEqual(await readdir(join(root, 'etc/roomcast')), []);

      // The code: every source file, root-owned, executables stay executable; no
      // node_modules, no .git.
      for (const [path, { text, mode }] of Object.entries(FIXTURE)) {
        const installed = join(root, 'opt/roomcast', path);
        assert.equal(await readFile(installed, 'utf8'), text, path);
        assert.equal(await owner(installed), `0:0 ${mode === 0o755 ? '0755' : '0644'}`, path);
      }
      assert.deepEqual((await readdir(join(root, 'opt/roomcast'))).sort(), [
        'bin',
        'core',
        'package-lock.json',
        'package.json',
        'systemd',
      ]);

      // The kind's units (and the watchdog's), byte for byte; never the edge's or the
      // other kind's.
      const unitDir = join(root, 'etc/systemd/system');
      assert.deepEqual((await readdir(unitDir)).sort(), UNITS[kind]);
      for (const unit of UNITS[kind]) {
        const installed = join(unitDir, unit);
        assert.deepEqual(await readFile(installed), await readFile(join(source, 'systemd', unit)));
        assert.equal(await owner(installed), '0:0 0644', unit);
      }

      // The DeckLink rule: collectors only.
      const rule = join(root, 'etc/udev/rules.d/60-roomcast-decklink.rules');
      if (kind === 'collector') {
        assert.deepEqual(await readFile(rule), await readFile(UDEV_RULE));
        assert.equal(await owner(rule), '0:0 0644');
      } else {
        assert.equal(await exists(join(root, 'etc/udev')), false);
      }

      const before = await snapshot(root);
      const second = provision(kind, root, source);
      assert.equal(summary(second).changed, 0, show(second));
      assert.ok(summary(second).unchanged > 0, show(second));
      assert.doesNotMatch(second.stdout, /^changed:/m, show(second));
      assert.deepEqual(await snapshot(root), before);
    });
  }

  test('configs the pusher put are made root:roomcast 0640, env files root:root 0600', async () => {
    needRoot();
    const root = await freshRoot();
    const source = await fixtureSource();
    provision('collector', root, source);
    const gid = (await entry(root, 'etc/group', 'roomcast'))![2];
    await writeFile(join(root, 'etc/roomcast/collector.yaml'), 'collector: {}\n', { mode: 0o644 });
    await writeFile(join(root, 'etc/roomcast/collector.env'), 'ROOMCAST_X=1\n', { mode: 0o644 });

    const fixing = provision('collector', root, source);
    assert.equal(summary(fixing).changed, 2, show(fixing));
    assert.equal(await owner(join(root, 'etc/roomcast/collector.yaml')), `0:${gid} 0640`);
    assert.equal(await owner(join(root, 'etc/roomcast/collector.env')), '0:0 0600');
    // Their content is never touched.
    assert.equal(
      await readFile(join(root, 'etc/roomcast/collector.env'), 'utf8'),
      'ROOMCAST_X=1\n',
    );
    assert.equal(summary(provision('collector', root, source)).changed, 0);
  });

  test('a git checkout as source: tracked and new files, never ignored ones; removed files go', async () => {
    needRoot();
    const root = await freshRoot();
    const source = await tempDir('roomcast-checkout-');
    const git = (...args: string[]) => {
      const result = spawnSync('git', ['-C', source, ...args], { encoding: 'utf8' });
      assert.equal(result.status, 0, `git ${args.join(' ')}: ${result.stderr}`);
    };
    await writeTree(source, {
      ...FIXTURE,
      '.gitignore': { text: 'node_modules/\n/data/\n.env\n' },
      'data/edge/admin-token': { text: 'secret\n' },
      '.env': { text: 'ROOMCAST_SECRET=1\n' },
      'node_modules/dep/index.js': { text: 'no\n' },
    });
    git('init', '--quiet');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '--quiet', '-m', 'f');
    await writeTree(source, { 'core/new_file.ts': { text: 'export {};\n' } });

    provision('encoder', root, source);
    const code = join(root, 'opt/roomcast');
    assert.equal(await exists(join(code, 'core/new_file.ts')), true, 'untracked, not ignored');
    assert.equal(await exists(join(code, '.gitignore')), true);
    for (const left of ['data', '.env', 'node_modules', '.git']) {
      assert.equal(await exists(join(code, left)), false, `${left} is not copied`);
    }

    // The box's own node_modules stays; a file removed from the source goes, with its
    // directory once empty.
    await writeTree(code, { 'node_modules/dep/index.js': { text: 'installed on the box\n' } });
    await rm(join(source, 'core/config/schema.ts'));
    await rm(join(source, 'core/new_file.ts'));
    const sync = provision('encoder', root, source);
    assert.match(
      sync.stdout,
      /^changed: \/opt\/roomcast from .*: 0 copied, 2 removed; directories: 0 made, 2 removed$/m,
      show(sync),
    );
    assert.equal(await exists(join(code, 'core')), false);
    assert.equal(
      await readFile(join(code, 'node_modules/dep/index.js'), 'utf8'),
      'installed on the box\n',
    );
    assert.equal(summary(provision('encoder', root, source)).changed, 0);
  });

  for (const kind of KINDS) {
    test(`${kind} from this checkout (the default --source): twice, then unchanged`, async () => {
      needRoot();
      const root = await freshRoot();
      provision(kind, root);
      const before = await snapshot(root);
      const second = provision(kind, root);
      assert.equal(summary(second).changed, 0, show(second));
      assert.deepEqual(await snapshot(root), before);
      // Whatever units of this kind the checkout has are installed as they are.
      const unit = `roomcast-${kind}.service`;
      if (await exists(join(CHECKOUT, 'systemd', unit))) {
        assert.deepEqual(
          await readFile(join(root, 'etc/systemd/system', unit)),
          await readFile(join(CHECKOUT, 'systemd', unit)),
        );
      }
      assert.equal(await exists(join(root, 'etc/systemd/system/roomcast-edge.service')), false);
    });
  }
});

describe('setup-box.sh refuses', () => {
  test('to run as anyone but root, saying why', async () => {
    const root = await tempDir('roomcast-root-');
    // As root, drop to nobody for this one run; as anyone else, just run it.
    const asNobody = process.getuid?.() === 0
      ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']
      : [];
    // nobody may not read the checkout (a root user's clone under /root is 0700): a copy of
    // the script and the package list it reads, where anyone can.
    const copy = await tempDir('roomcast-script-');
    await chmod(copy, 0o755);
    for (const file of ['provisioning/setup-box.sh', 'scripts/debian-packages.txt']) {
      await mkdir(dirname(join(copy, file)), { recursive: true, mode: 0o755 });
      await copyFile(join(CHECKOUT, file), join(copy, file));
    }
    const script = join(copy, 'provisioning/setup-box.sh');
    const argv = [...asNobody, 'bash', script, 'collector', '--root', root, '--no-packages'];
    const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /must run as root/);
    assert.deepEqual(await readdir(root), [], 'nothing was made');
  });

  test('an unknown kind, no kind, or --root without --no-packages, with the usage', () => {
    for (
      const args of [['edge'], [], ['encoder', '--root', '/nonexistent'], ['collector', '--bogus']]
    ) {
      const run = setupBox(args);
      assert.equal(run.code, 2, show(run));
      assert.match(run.stderr, /^usage: setup-box\.sh collector\|encoder/m, show(run));
      assert.equal(run.stdout, '');
    }
    assert.match(setupBox(['edge']).stderr, /unknown kind 'edge'/);
  });
});

describe('the package step', () => {
  /** What scripts/setup.sh installs: every line of the list. */
  async function devPackages(): Promise<Set<string>> {
    return packagesOf(await readPackageList(), ROLES);
  }

  for (const kind of KINDS) {
    test(`${kind}: the packages are a subset of what scripts/setup.sh installs`, async () => {
      const run = setupBox([kind, '--list-packages']);
      assert.equal(run.code, 0, show(run));
      const packages = run.stdout.trim().split('\n');
      // The box's own roles, as the list gives them: the collector compiles node-gtk.
      const roles: Role[] = kind === 'collector' ? ['collector', 'build'] : ['encoder'];
      assert.deepEqual(
        [...packages].sort(),
        [...packagesOf(await readPackageList(), roles)].sort(),
      );
      const must = kind === 'collector'
        ? ['gstreamer1.0-x', 'gstreamer1.0-plugins-bad', 'gir1.2-gstreamer-1.0', 'g++']
        : ['nginx', 'libnginx-mod-rtmp', 'ffmpeg'];
      for (const name of must) assert.ok(packages.includes(name), `${kind} needs ${name}`);
      // So a development machine set up by scripts/setup.sh has every one of them, which
      // is what the next test relies on.
      const dev = await devPackages();
      assert.deepEqual(packages.filter((name) => !dev.has(name)), []);
    });

    test(`${kind}: on this machine, set up by scripts/setup.sh, nothing is missing`, () => {
      const run = setupBox([kind, '--check-packages']);
      assert.equal(run.code, 0, show(run));
      assert.match(run.stdout, /^nothing missing$/m);
      assert.match(run.stdout, /\/usr\/bin\/node is v(\d+)\./);
      assert.doesNotMatch(run.stdout, /^missing:/m);
    });
  }

  test('a package dpkg does not report installed is reported missing', async () => {
    // dpkg-query answers "not installed" for ffmpeg and the real answer for the rest.
    const bin = await tempDir('roomcast-fakebin-');
    await writeFile(
      join(bin, 'dpkg-query'),
      '#!/bin/sh\nfor a; do last=$a; done\n' +
        '[ "$last" = ffmpeg ] && { printf "deinstall ok config-files"; exit 0; }\n' +
        'exec /usr/bin/dpkg-query "$@"\n',
      { mode: 0o755 },
    );
    const run = setupBox(['encoder', '--check-packages'], {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
    });
    assert.equal(run.code, 1, show(run));
    assert.match(run.stdout, /^missing: Debian packages: ffmpeg$/m);
  });
});
