import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskEnvText, sha256 } from '../../core/push/protocol.ts';
import { fileDiff, unifiedDiff } from './diff.ts';

const labels = { before: 'a', after: 'b' };

test('equal texts have no diff', () => {
  assert.equal(unifiedDiff('x\ny\n', 'x\ny\n', labels), '');
});

test('a unified diff with three lines of context and hunk headers', () => {
  const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', ''].join('\n');
  const after = before.replace('2\n', 'two\n').replace('10\n', '10\n11\n');
  assert.equal(
    unifiedDiff(before, after, labels),
    [
      '--- a',
      '+++ b',
      '@@ -1,5 +1,5 @@',
      ' 1',
      '-2',
      '+two',
      ' 3',
      ' 4',
      ' 5',
      '@@ -8,3 +8,4 @@',
      ' 8',
      ' 9',
      ' 10',
      '+11',
    ].join('\n'),
  );
});

test('a new file is all additions', () => {
  assert.equal(unifiedDiff('', 'a\nb\n', labels), '--- a\n+++ b\n@@ -0,0 +1,2 @@\n+a\n+b');
});

const NONCE = 'ab'.repeat(16);
const OLD_ENV = '# header\nA_SECRET=old-secret-value\nB_SECRET=same-secret\n';
const NEW_ENV = '# header\nA_SECRET=new-secret-value\nB_SECRET=same-secret\nC_KEY=added-key\n';

test('an env file diff names the keys and hides every value, old and new', () => {
  const diff = fileDiff(
    {
      path: 'collector.env',
      exists: true,
      mode: 0o600,
      sha256: sha256(OLD_ENV),
      masked: maskEnvText(OLD_ENV, NONCE),
    },
    { path: 'collector.env', content: NEW_ENV, mode: 0o600 },
    { host: 'col-a', dir: '/etc/roomcast', nonce: NONCE },
  );
  assert.equal(
    diff,
    [
      '--- col-a:/etc/roomcast/collector.env',
      '+++ collector.env (rendered)',
      '@@ -1,3 +1,4 @@',
      ' # header',
      '-A_SECRET=<old value>',
      '+A_SECRET=<changed>',
      ' B_SECRET=<unchanged>',
      '+C_KEY=<new>',
    ].join('\n'),
  );
  for (const secret of ['old-secret-value', 'new-secret-value', 'same-secret', 'added-key']) {
    assert.ok(!diff.includes(secret));
  }
});

test('a removed key and a mode change', () => {
  const diff = fileDiff(
    {
      path: 'collector.env',
      exists: true,
      mode: 0o640,
      sha256: sha256(OLD_ENV),
      masked: maskEnvText(OLD_ENV, NONCE),
    },
    { path: 'collector.env', content: '# header\nA_SECRET=old-secret-value\n', mode: 0o600 },
    { host: 'col-a', dir: '/etc/roomcast', nonce: NONCE },
  );
  assert.match(diff, /^mode 0640 → 0600: col-a:\/etc\/roomcast\/collector\.env$/m);
  assert.match(diff, /^ A_SECRET=<unchanged>$/m);
  assert.match(diff, /^-B_SECRET=<removed>$/m);
});

test('a config file is diffed as text; a file the box lacks comes from /dev/null', () => {
  const diff = fileDiff(undefined, { path: 'collector.yaml', content: 'a: 1\n', mode: 0o640 }, {
    host: 'col-a',
    dir: '/etc/roomcast',
    nonce: NONCE,
  });
  assert.equal(diff, '--- /dev/null\n+++ collector.yaml (rendered)\n@@ -0,0 +1,1 @@\n+a: 1');
});
