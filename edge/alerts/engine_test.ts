// The alert engine on a test edge: boxes report through the signed node API, the rules run,
// alerts open once, resolve once, and are acknowledged through the operator API.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestEdge, type TestEdge } from '../testing.ts';
import {
  addNode,
  collectorHeartbeat,
  encoderHeartbeat,
  publishAs,
  publishDone,
  registerNode,
  roomWithKey,
} from '../testing_fleet.ts';
import { evaluateAlerts } from './engine.ts';

async function liveRoom(edge: TestEdge) {
  const encoder = await addNode(edge, 'enc-1', 'encoder');
  const collector = await addNode(edge, 'box-1', 'collector');
  await registerNode(edge, encoder);
  await registerNode(edge, collector, 'collector');
  const key = await roomWithKey(edge, 'main-hall', { title: 'Main hall' });
  const sessionId = await publishAs(edge, encoder, key);
  await encoderHeartbeat(edge, encoder, [{ room: 'main-hall', sessionId }]);
  await collectorHeartbeat(edge, collector, 'main-hall');
  return { encoder, collector, key, sessionId };
}

const rulesOf = (rows: { rule: string }[]) => rows.map((row) => row.rule);

test('silence fires once at the threshold, stays open while it lasts, resolves with sound', async () => {
  const edge = await createTestEdge();
  try {
    const { collector } = await liveRoom(edge);
    assert.deepEqual(await evaluateAlerts(edge.deps), { fired: [], resolved: [] });
    await collectorHeartbeat(edge, collector, 'main-hall', {
      audio: { silentSeconds: 9, clipping: false },
    });
    assert.deepEqual((await evaluateAlerts(edge.deps)).fired, []);
    await collectorHeartbeat(edge, collector, 'main-hall', {
      audio: { silentSeconds: 12, clipping: false },
    });
    const { fired } = await evaluateAlerts(edge.deps);
    assert.deepEqual(rulesOf(fired), ['silence']);
    assert.equal(fired[0]!.message, 'Main hall: no sound for 12 s');
    assert.deepEqual(await evaluateAlerts(edge.deps), { fired: [], resolved: [] }, 'once');

    const listed = await (await edge.asOperator('GET', '/api/v1/alerts')).json();
    assert.deepEqual(listed.alerts.map((a: { rule: string }) => a.rule), ['silence']);
    const ack = await edge.asOperator('POST', `/api/v1/alerts/${fired[0]!.id}/ack`);
    assert.equal(ack.status, 200);
    assert.equal((await ack.json()).acknowledgedBy, 'Administrator');

    await collectorHeartbeat(edge, collector, 'main-hall');
    const { resolved } = await evaluateAlerts(edge.deps);
    assert.deepEqual(rulesOf(resolved), ['silence']);
    assert.deepEqual((await (await edge.asOperator('GET', '/api/v1/alerts')).json()).alerts, []);
    const all = await (await edge.asOperator('GET', '/api/v1/alerts?open=false')).json();
    assert.equal(all.alerts[0].resolvedAt, new Date(edge.deps.now()).toISOString());
  } finally {
    await edge.close();
  }
});

test('uplink lost after the publisher has been gone uplinkLostSeconds; back on the next publish', async () => {
  const edge = await createTestEdge();
  try {
    const { encoder, key, sessionId } = await liveRoom(edge);
    await publishDone(edge, encoder, 'main-hall', sessionId);
    edge.advance(1000);
    assert.deepEqual((await evaluateAlerts(edge.deps)).fired, [], 'a blink is not an alert');
    edge.advance(1500);
    assert.deepEqual(rulesOf((await evaluateAlerts(edge.deps)).fired), ['uplinkLost']);
    await publishAs(edge, encoder, key, { clientId: '8' });
    assert.deepEqual(rulesOf((await evaluateAlerts(edge.deps)).resolved), ['uplinkLost']);
  } finally {
    await edge.close();
  }
});

test('black and frozen output from the encoder probe; a stale node; a watchdog that gave up', async () => {
  const edge = await createTestEdge();
  try {
    const { encoder, sessionId } = await liveRoom(edge);
    const output = {
      rendition: '360p',
      frameJpegBase64: null,
      frameAt: null,
      blackSeconds: 11,
      frozenSeconds: 12,
      latencySeconds: 1.2,
    };
    await encoderHeartbeat(edge, encoder, [{ room: 'main-hall', sessionId, output }]);
    assert.deepEqual(rulesOf((await evaluateAlerts(edge.deps)).fired).sort(), [
      'outputBlack',
      'outputFrozen',
    ]);

    const report = {
      v: 1,
      nodeId: 'enc-1',
      kind: 'encoder',
      state: 'escalated',
      intervalSeconds: 5,
      checks: [],
      actions: [],
      escalated: [{
        target: 'nginx',
        reason: '3 restarts this hour',
        since: '2026-06-01T08:59:00Z',
      }],
    };
    const res = await edge.asNode(encoder.id, encoder.secret, '/api/v1/node/watchdog', report);
    assert.equal(res.status, 200, await res.text());
    const escalated = (await evaluateAlerts(edge.deps)).fired;
    assert.deepEqual(rulesOf(escalated), ['watchdogEscalated']);
    assert.match(escalated[0]!.message, /gave up restarting nginx \(3 restarts this hour\)/);

    // No heartbeats for longer than downAfterSeconds: both boxes are stale.
    edge.advance((edge.deps.settings.nodes.downAfterSeconds + 1) * 1000);
    const { fired } = await evaluateAlerts(edge.deps);
    assert.deepEqual(
      fired.filter((a) => a.rule === 'nodeStale').map((a) => [a.nodeId, a.severity]).sort(),
      [['box-1', 'warning'], ['enc-1', 'critical']],
    );
  } finally {
    await edge.close();
  }
});

test('a key published from a second address is a possible leak until the key is rotated', async () => {
  const edge = await createTestEdge();
  try {
    const { encoder, key, sessionId } = await liveRoom(edge);
    await publishDone(edge, encoder, 'main-hall', sessionId);
    await publishAs(edge, encoder, key, { clientId: '9', addr: '198.51.100.4' });
    const { fired } = await evaluateAlerts(edge.deps);
    assert.deepEqual(rulesOf(fired), ['keyLeak']);
    assert.ok(!fired[0]!.message.includes(key), 'the key itself is never in an alert');
    const rotated = await edge.asOperator('POST', '/api/v1/rooms/main-hall/keys/rotate');
    assert.equal(rotated.status, 201);
    assert.deepEqual(rulesOf((await evaluateAlerts(edge.deps)).resolved), ['keyLeak']);
  } finally {
    await edge.close();
  }
});

test('two edges on one database evaluating at once open each alert once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-alerts-'));
  const databaseUrl = `file:${join(dir, 'edge.db')}`;
  const first = await createTestEdge({ databaseUrl });
  const second = await createTestEdge({ databaseUrl, store: first.deps.store });
  try {
    const { collector } = await liveRoom(first);
    await collectorHeartbeat(first, collector, 'main-hall', {
      audio: { silentSeconds: 30, clipping: false },
    });
    const passes = await Promise.all([
      ...Array.from({ length: 5 }, () => evaluateAlerts(first.deps)),
      ...Array.from({ length: 5 }, () => evaluateAlerts(second.deps)),
    ]);
    assert.equal(passes.flatMap((pass) => pass.fired).length, 1);
    const listed = await (await second.asOperator('GET', '/api/v1/alerts')).json();
    assert.equal(listed.alerts.length, 1);
  } finally {
    await second.close();
    await first.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('alert routes: operators only; unknown ids are 404; bad queries say what is wrong', async () => {
  const edge = await createTestEdge();
  try {
    const anonymous = await edge.app.request('/api/v1/alerts');
    assert.equal(anonymous.status, 401);
    assert.equal((await edge.asOperator('POST', '/api/v1/alerts/nope/ack')).status, 404);
    const bad = await edge.asOperator('GET', '/api/v1/alerts?limit=9999');
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(await bad.json()), /limit/);
  } finally {
    await edge.close();
  }
});
