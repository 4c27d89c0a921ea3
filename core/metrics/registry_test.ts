import assert from 'node:assert/strict';
import { test } from 'node:test';
import { promtoolCheckMetrics } from '../testing/prometheus.ts';
import { createMetricsRegistry, escapeLabelValue, formatValue } from './registry.ts';

test('counters and gauges: HELP and TYPE lines, one sample per label set, in order', async () => {
  const registry = createMetricsRegistry();
  const hooks = registry.counter({
    name: 'demo_hooks_total',
    help: 'Hooks answered.',
    labelNames: ['hook'],
    series: [{ hook: 'publish' }, { hook: 'play' }],
  });
  const load = registry.gauge({ name: 'demo_cpu_load_ratio', help: 'CPU busy share.' });
  hooks.inc({ hook: 'play' });
  hooks.inc({ hook: 'play' }, 2);
  load.set({}, 0.25);
  assert.equal(
    await registry.expose(),
    [
      '# HELP demo_hooks_total Hooks answered.',
      '# TYPE demo_hooks_total counter',
      'demo_hooks_total{hook="publish"} 0',
      'demo_hooks_total{hook="play"} 3',
      '# HELP demo_cpu_load_ratio CPU busy share.',
      '# TYPE demo_cpu_load_ratio gauge',
      'demo_cpu_load_ratio 0.25',
      '',
    ].join('\n'),
  );
  assert.equal(hooks.value({ hook: 'play' }), 3);
});

test('label values and HELP are escaped; special values are spelled as the format wants', async () => {
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  assert.deepEqual([Infinity, -Infinity, NaN, 1.5, 0].map(formatValue), [
    '+Inf',
    '-Inf',
    'NaN',
    '1.5',
    '0',
  ]);
  const registry = createMetricsRegistry();
  const rooms = registry.gauge({
    name: 'demo_rooms',
    help: 'Rooms by title (a \\ and a\nnewline).',
    labelNames: ['room'],
  });
  rooms.set({ room: 'say "hi"\\\n' }, 1);
  const text = await registry.expose();
  assert.match(text, /^# HELP demo_rooms Rooms by title \(a \\\\ and a\\nnewline\)\.$/m);
  assert.match(text, /^demo_rooms\{room="say \\"hi\\"\\\\\\n"\} 1$/m);
  const verdict = await promtoolCheckMetrics(text);
  assert.ok(verdict.ok, verdict.output);
});

test('histograms: cumulative buckets with le, +Inf, _sum and _count per label set', async () => {
  const registry = createMetricsRegistry();
  const latency = registry.histogram({
    name: 'demo_hook_duration_seconds',
    help: 'Time to answer a hook.',
    labelNames: ['hook'],
    buckets: [0.1, 0.01, 1],
  });
  for (const seconds of [0.005, 0.05, 0.05, 2]) latency.observe({ hook: 'publish' }, seconds);
  assert.equal(latency.count({ hook: 'publish' }), 4);
  assert.equal(latency.sum({ hook: 'publish' }), 2.105);
  assert.equal(
    await registry.expose(),
    [
      '# HELP demo_hook_duration_seconds Time to answer a hook.',
      '# TYPE demo_hook_duration_seconds histogram',
      'demo_hook_duration_seconds_bucket{hook="publish",le="0.01"} 1',
      'demo_hook_duration_seconds_bucket{hook="publish",le="0.1"} 3',
      'demo_hook_duration_seconds_bucket{hook="publish",le="1"} 3',
      'demo_hook_duration_seconds_bucket{hook="publish",le="+Inf"} 4',
      'demo_hook_duration_seconds_sum{hook="publish"} 2.105',
      'demo_hook_duration_seconds_count{hook="publish"} 4',
      '',
    ].join('\n'),
  );
  const verdict = await promtoolCheckMetrics(await registry.expose());
  assert.ok(verdict.ok, verdict.output);
});

test('a timer observes the seconds it ran', async () => {
  const registry = createMetricsRegistry();
  const latency = registry.histogram({ name: 'demo_seconds', help: 'h' });
  const done = latency.startTimer({});
  await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = done();
  assert.ok(seconds >= 0.015 && seconds < 5, String(seconds));
  assert.equal(latency.count({}), 1);
  assert.equal(latency.sum({}), seconds);
});

test('a collected gauge is read afresh at every scrape, with the context expose got', async () => {
  const registry = createMetricsRegistry<{ rooms: Record<string, number> }>();
  registry.gauge({
    name: 'demo_viewers',
    help: 'Viewers per room.',
    labelNames: ['room'],
    collect(gauge, context) {
      for (const [room, viewers] of Object.entries(context.rooms)) gauge.set({ room }, viewers);
    },
  });
  assert.match(await registry.expose({ rooms: { a: 3, b: 1 } }), /demo_viewers\{room="b"\} 1/);
  const later = await registry.expose({ rooms: { a: 4 } });
  assert.match(later, /^demo_viewers\{room="a"\} 4$/m);
  assert.doesNotMatch(later, /room="b"/, 'a room that is gone is not reported any more');
});

test('a collected counter reports a count kept elsewhere', async () => {
  const restarts = new Map([['hall', 2]]);
  const registry = createMetricsRegistry();
  registry.counter({
    name: 'demo_restarts_total',
    help: 'Restarts per room.',
    labelNames: ['room'],
    collect(counter) {
      for (const [room, count] of restarts) counter.set({ room }, count);
    },
  });
  assert.match(await registry.expose(), /^demo_restarts_total\{room="hall"\} 2$/m);
  restarts.set('hall', 3);
  assert.match(await registry.expose(), /^demo_restarts_total\{room="hall"\} 3$/m);
});

test('scrapes run one after the other, and a failed one does not block the next', async () => {
  const registry = createMetricsRegistry<number>();
  let inside = 0;
  let most = 0;
  registry.gauge({
    name: 'demo_slow',
    help: 'h',
    async collect(gauge, context) {
      inside++;
      most = Math.max(most, inside);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inside--;
      if (context < 0) throw new Error('cannot read');
      gauge.set({}, context);
    },
  });
  const [one, failed, two] = await Promise.allSettled([
    registry.expose(1),
    registry.expose(-1),
    registry.expose(2),
  ]);
  assert.equal(most, 1);
  assert.match(one.status === 'fulfilled' ? one.value : '', /^demo_slow 1$/m);
  assert.equal(failed.status, 'rejected');
  assert.match(two.status === 'fulfilled' ? two.value : '', /^demo_slow 2$/m);
});

test('names, labels and counts are checked', () => {
  const registry = createMetricsRegistry();
  assert.throws(() => registry.counter({ name: 'bad-name', help: 'h' }), /bad metric name/);
  assert.throws(
    () => registry.counter({ name: 'demo_total', help: 'h', labelNames: ['__x'] }),
    /bad label name '__x'/,
  );
  assert.throws(
    () => registry.histogram({ name: 'demo_seconds', help: 'h', labelNames: ['le'] }),
    /bad label name 'le'/,
  );
  const counter = registry.counter({ name: 'demo_total', help: 'h', labelNames: ['hook'] });
  assert.throws(() => registry.gauge({ name: 'demo_total', help: 'h' }), /exists already/);
  assert.throws(() => counter.inc({ hook: 'a' }, -1), /cannot go down/);
  assert.throws(
    () => counter.inc({ room: 'x' } as never),
    /takes the labels \[hook\], got \[room\]/,
  );
});
