// Every item of the requirements catalogue, held against dpkg on this machine: the file
// that provides it (a program, the GStreamer plugin holding an element, the ffmpeg library
// holding a component, a module, typelib, font or header) belongs to a package that
// scripts/debian-packages.txt installs for the item's roles, or to one of their hard
// dependencies. This fails on a machine where everything happens to be installed too: a
// package that only comes as a Recommends (gstreamer1.0-x once) is not in the closure.
// Needs a Debian machine set up by scripts/setup.sh (CI is one).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { before, describe, test } from 'node:test';
import {
  describeRequirement,
  type FfmpegComponentKind,
  type Requirement,
  REQUIREMENTS,
  ROLES,
} from './catalogue.ts';
import { dependencyClosure, type DpkgPackage, installedPackages } from './dpkg_closure.ts';
import { localMachine } from './machine.ts';
import { type PackageLine, packagesOf, readPackageList } from './package_list.ts';

function output(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`${file} ${args.join(' ')}: ${stderr || error.message}`))
          : resolve(stdout),
    );
  });
}

const machine = localMachine();

/** The ffmpeg library that holds each kind of component (lavfi is an input device). */
function ffmpegLibrary(kind: FfmpegComponentKind, name: string): string {
  if (kind === 'demuxer' && name === 'lavfi') return 'libavdevice';
  return { encoder: 'libavcodec', decoder: 'libavcodec', filter: 'libavfilter' }[kind as string] ??
    'libavformat';
}

let ffmpegLibraries: Promise<Map<string, string>> | undefined;
/** libavcodec → /lib/x86_64-linux-gnu/libavcodec.so.59, as ffmpeg is linked here. */
function linkedLibraries(): Promise<Map<string, string>> {
  return ffmpegLibraries ??= (async () => {
    const ffmpeg = await machine.findProgram('ffmpeg');
    assert.ok(ffmpeg, 'ffmpeg is on PATH');
    const text = await output('ldd', [ffmpeg]);
    return new Map(
      [...text.matchAll(/^\s*(lib[\w-]+)\.so\S* => (\S+)/gm)].map((m) => [m[1]!, m[2]!]),
    );
  })();
}

/** The file on this machine that provides the item. */
async function providingFile(item: Requirement): Promise<string> {
  const found = (path: string | null, what: string) => {
    assert.ok(path, `${describeRequirement(item)}: ${what} (run scripts/setup.sh)`);
    return path;
  };
  switch (item.kind) {
    case 'program':
      return found(await machine.findProgram(item.name, item.path), 'not found');
    case 'gstElement': {
      const text = await output('gst-inspect-1.0', [item.name]).catch(() => '');
      return found(/^\s*Filename\s+(\S+)/m.exec(text)?.[1] ?? null, 'no plugin has it');
    }
    case 'ffmpegComponent': {
      const library = ffmpegLibrary(item.component, item.name);
      return found((await linkedLibraries()).get(library) ?? null, `ffmpeg links no ${library}`);
    }
    case 'nginxModule':
      return item.file ?? '/usr/sbin/nginx';
    case 'typelib':
      return found(await machine.findTypelib(item.name), 'not found');
    case 'font':
      return found(await machine.fontFile(item.name), 'fontconfig finds none');
    case 'header':
      return item.path;
  }
}

/** Debian 12 has merged /usr, but dpkg's database may name either spelling of a path. */
async function spellings(path: string): Promise<string[]> {
  const paths = new Set([path, await realpath(path).catch(() => path)]);
  for (const p of [...paths]) {
    const merged = /^\/usr\/(bin|sbin|lib)\//.test(p) ? p.slice(4) : `/usr${p}`;
    if (/^\/(usr\/)?(bin|sbin|lib)\//.test(p)) paths.add(merged);
  }
  return [...paths];
}

async function owner(path: string): Promise<string> {
  for (const candidate of await spellings(path)) {
    const text = await output('dpkg-query', ['-S', candidate]).catch(() => '');
    const match = /^([^:\s,]+)(?::\w+)?(?:, [^:]+)?: /m.exec(text);
    if (match) return match[1]!;
  }
  throw new Error(`dpkg knows no package that owns ${path}`);
}

describe('every catalogued item comes from a package setup installs for its roles', () => {
  let list: PackageLine[];
  let installed: Map<string, DpkgPackage>;
  before(async () => {
    list = await readPackageList();
    installed = await installedPackages();
  });

  test('every listed package is installed here (scripts/setup.sh ran)', () => {
    const missing = [...packagesOf(list, ROLES)].filter((name) => !installed.has(name));
    assert.deepEqual(missing, []);
  });

  for (const item of REQUIREMENTS) {
    test(`${describeRequirement(item)} (${item.roles.join(', ')})`, async () => {
      const file = await providingFile(item);
      const pkg = await owner(file);
      const brought = dependencyClosure(packagesOf(list, item.roles), installed).packages;
      assert.ok(
        brought.has(pkg),
        `${file} belongs to ${pkg}, which the ${item.roles.join('/')} packages of ` +
          'scripts/debian-packages.txt do not bring (Recommends are not installed): list it there',
      );
      // The doctor's fix names item.package: installing it must bring the file.
      assert.ok(
        item.package === pkg || dependencyClosure([item.package], installed).packages.has(pkg),
        `catalogue says ${item.package} for ${describeRequirement(item)}, but ${file} is in ${pkg}`,
      );
    });
  }

  test('the check would have caught gstreamer1.0-x: without its line, timeoverlay is not brought', async () => {
    const file = await providingFile(
      REQUIREMENTS.find((r) => r.kind === 'gstElement' && r.name === 'timeoverlay')!,
    );
    assert.equal(await owner(file), 'gstreamer1.0-x');
    const without = list.filter((line) => line.package !== 'gstreamer1.0-x');
    assert.ok(
      !dependencyClosure(packagesOf(without, ROLES), installed).packages.has('gstreamer1.0-x'),
    );
  });
});
