import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dependencyClosure, type DpkgPackage, parseRelations } from './dpkg_closure.ts';

test('parseRelations drops versions and architectures, keeps alternatives', () => {
  assert.deepEqual(parseRelations('libc6 (>= 2.34), foo | bar:any (<< 2), nginx-abi-1.22.1-7'), [
    ['libc6'],
    ['foo', 'bar'],
    ['nginx-abi-1.22.1-7'],
  ]);
  assert.deepEqual(parseRelations(''), []);
});

function db(...packages: [string, string, string?][]): Map<string, DpkgPackage> {
  return new Map(packages.map(([name, depends, provides = '']) => [
    name,
    { name, depends: parseRelations(depends), provides: parseRelations(provides).flat() },
  ]));
}

test('closure: hard dependencies only, first alternative unless one is chosen, virtuals', () => {
  const installed = db(
    ['plugins-base', 'libgst, libc'],
    ['libgst', 'libc'],
    ['libc', ''],
    // Only recommended by nothing here: installed on this machine, but never pulled in.
    ['gst-x', 'libpango'],
    ['libpango', 'fonts-a | fonts-b'],
    ['fonts-a', ''],
    ['fonts-b', ''],
    ['rtmp-module', 'nginx-abi, libc'],
    ['nginx', 'libc', 'nginx-abi'],
    ['tools', 'fonts-b | fonts-a'],
  );
  const { packages, unknown } = dependencyClosure(
    ['plugins-base', 'rtmp-module', 'nginx'],
    installed,
  );
  assert.deepEqual([...packages].sort(), [
    'libc',
    'libgst',
    'nginx',
    'plugins-base',
    'rtmp-module',
  ]);
  assert.deepEqual([...unknown], []);
  const fonts = dependencyClosure(['tools', 'gst-x'], installed).packages;
  // tools chose fonts-b first; libpango's alternative is then met by it.
  assert.ok(fonts.has('fonts-b') && !fonts.has('fonts-a'), [...fonts].join(' '));
  assert.deepEqual([...dependencyClosure(['nope'], installed).unknown], ['nope']);
});
