// scripts/setup.sh a second time, as `npm test` and `npm run demo` run it on every call:
// the suite already ran it once, so this run must install nothing, end with doctor's
// verdict, and leave package-lock.json (and every tracked file) as committed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { ROOT } from './support/stack.ts';

function trackedChanges(): string {
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(status.status, 0, status.stderr);
  return status.stdout;
}

test('a second setup run installs nothing and leaves the checkout as it was', () => {
  const before = trackedChanges();
  const run = spawnSync('bash', ['scripts/setup.sh'], { cwd: ROOT, encoding: 'utf8' });
  const output = `${run.stdout}${run.stderr}`;
  assert.equal(run.status, 0, output);
  assert.doesNotMatch(output, /setup: installing|setup: building/, output);
  assert.match(
    output,
    /^roomcast doctor \(edge, encoder, collector, build, test\): \d+ checks, everything this machine needs is here$/m,
  );
  assert.match(output, /^setup: everything is installed$/m);
  assert.equal(trackedChanges(), before, 'setup changed tracked files');
  assert.doesNotMatch(trackedChanges(), /package-lock\.json/);
});
