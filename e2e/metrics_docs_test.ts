// docs/metrics.md and docs/grafana-dashboard.json cannot drift from the code: the metric
// table lists exactly what the edge, the encoder agent and the collector expose (names and
// types), and every metric a dashboard panel queries exists.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { createEncoderMetrics } from '../appliance/encoder/metrics.ts';
import { createCollectorMetrics } from '../appliance/collector/metrics.ts';
import type { CollectorStatus } from '../appliance/collector/status.ts';
import { createTestEdge } from '../edge/testing.ts';

const docs = (file: string) => readFile(new URL(`../docs/${file}`, import.meta.url), 'utf8');

const COLLECTOR: CollectorStatus = {
  nodeId: 'col-1',
  room: 'main-hall',
  state: 'live',
  onAir: true,
  worker: { state: 'running', pid: 1, restarts: 0, lastError: null, lastMessageAt: null },
  input: { present: true, format: null },
  audio: { levels: [], warnings: { silence: false, clipping: false, silentSeconds: 0 } },
  uplink: {
    state: 'live',
    bitrateKbps: 0,
    reconnects: 0,
    lastFailureAt: null,
    lastFailure: null,
    encoderNodeId: null,
    target: null,
  },
  recording: {
    active: false,
    dir: '/tmp',
    currentFile: null,
    startedAt: null,
    seconds: 0,
    diskFreeMb: 0,
    lowDisk: false,
    rotatedFiles: 0,
  },
  preview: { updatedAt: null },
  at: '2026-06-01T10:00:00.000Z',
};

/** `name → type` of every metric the three processes expose. */
async function exposedMetrics(): Promise<Map<string, string>> {
  const edge = await createTestEdge();
  try {
    const edgeText = await (await edge.app.request('/metrics', {
      headers: { authorization: `Bearer ${edge.adminToken}` },
    })).text();
    const encoderText = await createEncoderMetrics(() =>
      Promise.resolve({
        softwareVersion: '0',
        capacity: 1,
        rooms: [],
        ingest: [],
        cpuLoad: 0,
        pendingRelays: 0,
        now: 0,
      })
    ).expose();
    const collectorText = await createCollectorMetrics(() => COLLECTOR).expose();
    const text = [edgeText, encoderText, collectorText].join('\n');
    return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  } finally {
    await edge.close();
  }
}

test('docs/metrics.md lists every metric with its type, and no other', async () => {
  const listed = new Map(
    [...(await docs('metrics.md')).matchAll(/^\| `(roomcast_\w+)` +\| (\w+) +\|/gm)].map((
      m,
    ) => [m[1]!, m[2]!]),
  );
  assert.deepEqual(
    Object.fromEntries([...listed].sort()),
    Object.fromEntries([...await exposedMetrics()].sort()),
  );
});

test('the Grafana dashboard queries only metrics that exist, through ${DS_PROMETHEUS}', async () => {
  const dashboard = JSON.parse(await docs('grafana-dashboard.json'));
  assert.equal(dashboard.__inputs[0].name, 'DS_PROMETHEUS');
  const exposed = await exposedMetrics();
  const panels = dashboard.panels.filter((p: { type: string }) => p.type !== 'row');
  assert.ok(panels.length >= 20, `${panels.length} panels`);
  const queried = new Set<string>();
  for (const panel of panels) {
    assert.equal(panel.datasource.uid, '${DS_PROMETHEUS}', panel.title);
    assert.ok(panel.targets.length > 0, panel.title);
    for (const target of panel.targets) {
      for (const [name] of target.expr.matchAll(/roomcast_\w+/g)) queried.add(name);
    }
  }
  const missing = [...queried].filter((name) => {
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return !exposed.has(name) && exposed.get(base) !== 'histogram';
  });
  assert.deepEqual(missing, []);
  // Every family has a panel: edge, encoder and collector alike.
  for (const family of ['roomcast_edge_', 'roomcast_encoder_', 'roomcast_collector_']) {
    assert.ok([...queried].some((name) => name.startsWith(family)), family);
  }
});
