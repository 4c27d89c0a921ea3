import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { describeRequirement, REQUIREMENTS, requirementsFor, ROLES } from './catalogue.ts';
import { parsePackageList, readPackageList } from './package_list.ts';

test('every line of debian-packages.txt is there for an item of its roles', async () => {
  const unused = (await readPackageList()).flatMap((line) =>
    line.roles.filter((role) =>
      !requirementsFor([role]).some((item) => item.package === line.package)
    ).map((role) => `${role} ${line.package}`)
  );
  assert.deepEqual(unused, [], 'a package no catalogued item of that role names');
});

test('every item has a role, a package and a use, and is named once per role', () => {
  for (const item of REQUIREMENTS) {
    assert.ok(item.roles.length && item.package && item.usedBy, describeRequirement(item));
  }
  for (const role of ROLES) {
    const names = requirementsFor([role]).map(describeRequirement);
    assert.deepEqual(names.filter((name, i) => names.indexOf(name) !== i), [], role);
  }
});

test('parsePackageList: roles and packages; a bad line is named by number', () => {
  assert.deepEqual(parsePackageList('# c\n\nencoder,collector  systemd\ntest git\n'), [
    { roles: ['encoder', 'collector'], package: 'systemd' },
    { roles: ['test'], package: 'git' },
  ]);
  assert.throws(() => parsePackageList('encoder\n'), /line 1: want "ROLES PACKAGE"/);
  assert.throws(() => parsePackageList('\nviewer chromium\n'), /line 2: unknown role viewer/);
});

test("docs/operations.md's package table says what debian-packages.txt installs", async () => {
  const doc = await readFile(new URL('../../docs/operations.md', import.meta.url), 'utf8');
  const rows = new Map(
    [...doc.matchAll(/^\| ([a-z ]+?)(?: \([^)]*\))? \| ((?:`[^`]+` ?)+) \|/gm)].map((m) => [
      m[1]!,
      [...m[2]!.matchAll(/`([^`]+)`/g)].map((p) => p[1]!).sort(),
    ]),
  );
  const list = await readPackageList();
  const boxes = ['edge', 'encoder', 'collector'];
  const rowOf = (roles: readonly string[]) =>
    boxes.every((box) => roles.includes(box)) ? 'every box' : roles.join(' and ');
  const want = new Map<string, string[]>();
  for (const line of list) {
    want.set(rowOf(line.roles), [...(want.get(rowOf(line.roles)) ?? []), line.package].sort());
  }
  assert.deepEqual(Object.fromEntries(rows), Object.fromEntries(want));
});
