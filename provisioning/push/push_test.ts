// The pusher's per-host logic with boxes made of functions: compare, dry run, apply and
// each way a box can fail, several boxes at a time, and the summary.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BoxConfig } from '../../core/event/render.ts';
import {
  type ApplyResult,
  type BoxState,
  maskEnvText,
  PUSH_PROTOCOL,
  sha256,
} from '../../core/push/protocol.ts';
import { createProgress } from './progress.ts';
import { type Phase, pushBoxes, type PushTarget } from './push.ts';
import { summarize, summaryText } from './report.ts';
import { type BoxLink, BoxLinkError } from './session.ts';

const box = (host: string, tag = 'a'): BoxConfig => ({
  host,
  kind: 'collector',
  rooms: [host.split('.')[0]!],
  files: [
    { path: 'collector.yaml', content: `collector:\n  nodeId: ${tag}\n`, mode: 0o640 },
    { path: 'collector.env', content: `ROOMCAST_COLLECTOR_STREAM_KEY=key-${tag}\n`, mode: 0o600 },
  ],
});

/** What a box that has `config` answers to a read. */
function stateOf(config: BoxConfig | null, nonce: string, mode = 0o640): BoxState {
  return {
    type: 'state',
    protocol: PUSH_PROTOCOL,
    version: '0.1.0',
    layout: config ? 'versions' : 'none',
    current: config ? '20260601T080000Z-0000' : null,
    previous: null,
    files: (config?.files ?? box('x').files.map((f) => ({ ...f, content: '' }))).map((file) =>
      config
        ? {
          path: file.path,
          exists: true,
          mode: file.path.endsWith('.env') ? file.mode : mode,
          sha256: sha256(file.content),
          ...(file.path.endsWith('.env')
            ? { masked: maskEnvText(file.content, nonce) }
            : { text: file.content }),
        }
        : { path: file.path, exists: false }
    ),
  };
}

interface FakeBox {
  has: BoxConfig | null;
  result?: Omit<ApplyResult, 'type'>;
  error?: string;
  mode?: number;
  applied?: number;
}

function connector(boxes: Record<string, FakeBox>) {
  let open = 0;
  let maxOpen = 0;
  const connect = ({ box }: PushTarget): BoxLink => {
    const fake = boxes[box.host]!;
    open++;
    maxOpen = Math.max(maxOpen, open);
    return {
      read: async (nonce) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (fake.error) throw new BoxLinkError(fake.error);
        return stateOf(fake.has, nonce, fake.mode);
      },
      apply: (request, onStep) => {
        fake.applied = (fake.applied ?? 0) + 1;
        assert.deepEqual(request.files, box.files);
        onStep('validating');
        return Promise.resolve({ type: 'result', restarts: 1, outcome: 'applied', ...fake.result });
      },
      close: () => Promise.resolve(void open--),
    };
  };
  return { connect, maxOpen: () => maxOpen };
}

const target = (config: BoxConfig): PushTarget => ({ box: config, dir: '/etc/roomcast' });

test('changed, unchanged, refused, rolled back, unreachable: each box on its own', async () => {
  const boxes: Record<string, FakeBox> = {
    'a.lan': { has: null },
    'b.lan': { has: box('b.lan') },
    'c.lan': {
      has: box('c.lan', 'old'),
      result: { outcome: 'refused', reason: 'nginx -t: invalid IPv6 address', restarts: 0 },
    },
    'd.lan': {
      has: box('d.lan', 'old'),
      result: { outcome: 'rolledBack', reason: 'not active; rolled back', restarts: 2 },
    },
    'e.lan': { has: null, error: 'host key changed: …' },
    'f.lan': { has: box('f.lan'), mode: 0o644 },
  };
  const { connect, maxOpen } = connector(boxes);
  const phases: string[] = [];
  const reports = await pushBoxes({
    targets: Object.keys(boxes).map((host) => target(box(host))),
    parallel: 2,
    dryRun: false,
    diff: false,
    settleSeconds: 0,
    connect,
    progress: (host, phase: Phase) => phases.push(`${host} ${phase}`),
  });
  assert.equal(maxOpen(), 2, 'at most pusher.parallel boxes at a time');
  assert.deepEqual(
    reports.map((r) => [r.host, r.outcome, r.reason ?? '']),
    [
      ['a.lan', 'changed', ''],
      ['b.lan', 'unchanged', ''],
      [
        'c.lan',
        'failed',
        "refused by the box's checks, its config is unchanged: nginx -t: invalid IPv6 address",
      ],
      ['d.lan', 'failed', 'the new config failed: not active; rolled back'],
      ['e.lan', 'failed', 'host key changed: …'],
      ['f.lan', 'changed', ''],
    ],
  );
  assert.deepEqual(reports[0]!.files.map((f) => f.change), ['new', 'new']);
  assert.deepEqual(reports[5]!.files.map((f) => f.change), ['mode', 'unchanged']);
  assert.equal(reports[3]!.rolledBack, true);
  assert.equal(boxes['b.lan']!.applied, undefined, 'an unchanged box is not touched');
  assert.ok(phases.includes('a.lan validating'));
  assert.ok(phases.includes('e.lan failed'));

  const text = summaryText(summarize('devconf', false, reports));
  assert.equal(
    text,
    [
      'pushed devconf:',
      '  a.lan  collector a  changed: collector.yaml (new), collector.env (new); restarted, active',
      '  b.lan  collector b  unchanged',
      "  c.lan  collector c  failed: refused by the box's checks, its config is unchanged: nginx -t: invalid IPv6 address",
      '  d.lan  collector d  failed: the new config failed: not active; rolled back',
      '  e.lan  collector e  failed: host key changed: …',
      '  f.lan  collector f  changed: collector.yaml (mode); restarted, active',
      '2 changed, 1 unchanged, 3 failed',
    ].join('\n'),
  );
});

test('a dry run reads and compares, never applies; --diff masks the secrets', async () => {
  const boxes: Record<string, FakeBox> = { 'a.lan': { has: box('a.lan', 'old') } };
  const reports = await pushBoxes({
    targets: [target(box('a.lan', 'new'))],
    parallel: 4,
    dryRun: true,
    diff: true,
    settleSeconds: 0,
    connect: connector(boxes).connect,
  });
  assert.equal(reports[0]!.outcome, 'changed');
  assert.equal(reports[0]!.applied, false);
  assert.equal(boxes['a.lan']!.applied, undefined);
  const diff = reports[0]!.diff!;
  assert.ok(diff.includes('\n-  nodeId: old\n+  nodeId: new\n'), diff);
  assert.match(diff, /^\+ROOMCAST_COLLECTOR_STREAM_KEY=<changed>$/m);
  assert.ok(!diff.includes('key-old') && !diff.includes('key-new'));
  const text = summaryText(summarize('devconf', true, reports));
  assert.ok(text.startsWith(`a.lan:\n${diff}\n\n`), text);
  assert.ok(
    text.endsWith([
      'dry run of devconf (nothing was changed):',
      '  a.lan  collector a  would change: collector.yaml, collector.env',
      '1 would change, 0 unchanged, 0 failed',
    ].join('\n')),
    text,
  );
});

test('a box speaking another protocol is not pushed to', async () => {
  const reports = await pushBoxes({
    targets: [target(box('a.lan'))],
    parallel: 1,
    dryRun: false,
    diff: false,
    settleSeconds: 0,
    connect: () => ({
      read: (nonce) => Promise.resolve({ ...stateOf(null, nonce), protocol: 99, version: '9.0.0' }),
      apply: () => assert.fail('no apply'),
      close: () => Promise.resolve(),
    }),
  });
  assert.match(reports[0]!.reason!, /speaks push protocol 99 \(this pusher: 1\)/);
});

test('progress: plain lines, or one line per host rewritten in place', () => {
  const plain: string[] = [];
  const lines = createProgress({
    hosts: ['a.lan', 'bb.lan'],
    live: false,
    write: (t) => plain.push(t),
  });
  lines.update('a.lan', 'waiting');
  lines.update('a.lan', 'validating');
  lines.update('a.lan', 'done', 'changed');
  assert.deepEqual(plain, ['a.lan: validating on the box…\n', 'a.lan: done: changed\n']);

  let screen = '';
  const live = createProgress({
    hosts: ['a.lan', 'bb.lan'],
    live: true,
    write: (t) => (screen += t),
  });
  live.update('a.lan', 'connecting');
  live.update('bb.lan', 'failed', 'host key changed');
  live.finish();
  assert.equal(
    screen,
    '\r\x1b[2Ka.lan   connecting…\n\r\x1b[2Kbb.lan  waiting…\n' +
      '\x1b[2A\r\x1b[2Ka.lan   connecting…\n\r\x1b[2Kbb.lan  failed: host key changed\n',
  );
});
