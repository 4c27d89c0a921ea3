// The box's side of an apply with a fake systemctl and fake checks, over a real store in
// a temp dir: refused before the switch, applied, rolled back, nothing to roll back to.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ApplyStep } from '../../core/push/protocol.ts';
import { applyConfig, type CommandResult } from './box_apply.ts';
import { createBoxStore } from './box_store.ts';

const files = (tag: string) => [
  { path: 'collector.yaml', content: `collector:\n  nodeId: ${tag}\n`, mode: 0o640 },
  { path: 'collector.env', content: `ROOMCAST_COLLECTOR_NODE_SECRET=s-${tag}\n`, mode: 0o600 },
];

/** systemctl whose unit starts unless its config names a tag in `broken`. */
function fakeSystemd(dir: string, broken: Set<string>) {
  const calls: string[] = [];
  let state = 'inactive';
  const systemctl = async (args: string[]): Promise<CommandResult> => {
    calls.push(args.join(' '));
    const ok = (stdout = '') => ({ code: 0, stdout, stderr: '' });
    switch (args[0]) {
      case 'restart': {
        const config = await readFile(join(dir, 'collector.yaml'), 'utf8');
        state = [...broken].some((tag) => config.includes(tag)) ? 'failed' : 'active';
        return state === 'active' ? ok() : { code: 1, stdout: '', stderr: 'Job failed' };
      }
      case 'is-active':
        return { code: state === 'active' ? 0 : 3, stdout: `${state}\n`, stderr: '' };
      case 'show':
        return ok(state === 'active' ? 'pipeline playing\n' : 'no capture device\n');
      case 'stop':
        state = 'inactive';
        return ok();
      default:
        return ok();
    }
  };
  return { calls, systemctl };
}

async function withBox(
  body: (dir: string, store: ReturnType<typeof createBoxStore>) => Promise<void>,
) {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-box-apply-'));
  try {
    await body(dir, createBoxStore({ dir, kind: 'collector', setOwners: false }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const request = (tag: string) => ({ op: 'apply' as const, files: files(tag), settleSeconds: 0 });

test('applied: checked, switched, restarted once, healthy', async () => {
  await withBox(async (dir, store) => {
    const systemd = fakeSystemd(dir, new Set());
    const steps: ApplyStep[] = [];
    const checked: string[] = [];
    const result = await applyConfig(request('one'), {
      store,
      systemctl: systemd.systemctl,
      validate: async (staged) => {
        checked.push(await readFile(join(staged, 'collector.yaml'), 'utf8'));
        return null;
      },
      step: (step) => steps.push(step),
    });
    assert.equal(result.outcome, 'applied');
    assert.equal(result.status, 'pipeline playing');
    assert.equal(result.restarts, 1);
    assert.deepEqual(checked, [files('one')[0]!.content], 'the staged files were checked');
    assert.deepEqual(steps, ['staging', 'validating', 'switching', 'restarting', 'checking']);
    assert.deepEqual(systemd.calls, [
      'reset-failed roomcast-collector.service',
      'restart roomcast-collector.service',
      'is-active roomcast-collector.service',
      'show --property=StatusText --value roomcast-collector.service',
      'try-restart roomcast-watchdog@collector.service',
    ]);
  });
});

test('refused by the checks: nothing switched, nothing restarted', async () => {
  await withBox(async (dir, store) => {
    const systemd = fakeSystemd(dir, new Set());
    await applyConfig(request('one'), {
      store,
      systemctl: systemd.systemctl,
      validate: () => Promise.resolve(null),
      step: () => {},
    });
    const calls = systemd.calls.length;
    const result = await applyConfig(request('two'), {
      store,
      systemctl: systemd.systemctl,
      validate: () => Promise.resolve("roomcast config check: 'collector.output.fps' must be …"),
      step: () => {},
    });
    assert.deepEqual(result, {
      type: 'result',
      outcome: 'refused',
      reason: "roomcast config check: 'collector.output.fps' must be …",
      restarts: 0,
    });
    assert.equal(systemd.calls.length, calls);
    assert.equal(await readFile(join(dir, 'collector.yaml'), 'utf8'), files('one')[0]!.content);
  });
});

test('unhealthy after the switch: back to the previous config, restarted again', async () => {
  await withBox(async (dir, store) => {
    const systemd = fakeSystemd(dir, new Set(['two']));
    const deps = { store, systemctl: systemd.systemctl, validate: () => Promise.resolve(null) };
    const first = await applyConfig(request('one'), { ...deps, step: () => {} });
    const steps: ApplyStep[] = [];
    const result = await applyConfig(request('two'), { ...deps, step: (s) => steps.push(s) });
    assert.equal(result.outcome, 'rolledBack');
    assert.equal(result.restarts, 2);
    assert.equal(result.current, first.current);
    assert.equal(
      result.reason,
      'systemctl restart roomcast-collector.service failed: Job failed (status: no capture ' +
        'device); see ' +
        'journalctl -u roomcast-collector.service; rolled back to the previous config (' +
        `${first.current}), roomcast-collector.service is active again`,
    );
    assert.ok(steps.includes('rollingBack'));
    assert.equal(await readFile(join(dir, 'collector.yaml'), 'utf8'), files('one')[0]!.content);
  });
});

test('a unit that starts, then is not active after the settle time, is rolled back', async () => {
  await withBox(async (dir, store) => {
    const systemd = fakeSystemd(dir, new Set());
    const deps = { store, systemctl: systemd.systemctl, validate: () => Promise.resolve(null) };
    await applyConfig(request('one'), { ...deps, step: () => {} });
    let checks = 0;
    const flaky = (args: string[]) => {
      // The second is-active of the new config (after the settle time) finds it crashed.
      if (args[0] === 'is-active' && ++checks === 2) {
        return Promise.resolve({ code: 3, stdout: 'activating\n', stderr: '' });
      }
      return systemd.systemctl(args);
    };
    const slept: number[] = [];
    const result = await applyConfig(
      { ...request('two'), settleSeconds: 5 },
      {
        ...deps,
        systemctl: flaky,
        step: () => {},
        sleep: (ms) => Promise.resolve(void slept.push(ms)),
      },
    );
    assert.equal(result.outcome, 'rolledBack');
    assert.match(result.reason!, /^roomcast-collector\.service is activating after the restart/);
    assert.deepEqual(slept, [5000, 5000]);
  });
});

test('a first push that does not start: no config again, and the unit stopped', async () => {
  await withBox(async (dir, store) => {
    const systemd = fakeSystemd(dir, new Set(['one']));
    const result = await applyConfig(request('one'), {
      store,
      systemctl: systemd.systemctl,
      validate: () => Promise.resolve(null),
      step: () => {},
    });
    assert.equal(result.outcome, 'rolledBack');
    assert.match(result.reason!, /the box had no config before, so it has none again/);
    assert.equal(systemd.calls.at(-1), 'stop roomcast-collector.service');
    const state = await store.read('0'.repeat(32));
    assert.equal(state.layout, 'none');
  });
});

test('a failure after the switch puts the previous config back', async () => {
  await withBox(async (dir, store) => {
    const systemd = fakeSystemd(dir, new Set());
    const deps = { store, validate: () => Promise.resolve(null), step: () => {} };
    await applyConfig(request('one'), { ...deps, systemctl: systemd.systemctl });
    const result = await applyConfig(request('two'), {
      ...deps,
      systemctl: (args) => {
        if (args[0] === 'restart') return Promise.reject(new Error('systemctl was killed'));
        return systemd.systemctl(args);
      },
    });
    assert.equal(result.outcome, 'failed');
    assert.match(result.reason!, /^systemctl was killed; the previous config is back in place/);
    assert.equal(await readFile(join(dir, 'collector.yaml'), 'utf8'), files('one')[0]!.content);
  });
});
