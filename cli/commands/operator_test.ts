// `node list` and the room commands against a whole edge (createTestEdge: real routes,
// libSQL in memory) through the CLI's own edge client: the WATCHDOG column as an operator
// reads it, --json as the edge's NodeInfo objects, and a room's encoder pin.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestEdge, type TestEdge } from '../../edge/testing.ts';
import { createOutput } from '../command.ts';
import { createEdgeClient } from '../edge_client.ts';
import { operatorCommands, watchdogCell } from './operator.ts';

async function addNode(edge: TestEdge, id: string, kind: 'encoder' | 'collector') {
  const res = await edge.asOperator('POST', '/api/v1/nodes', { id, kind });
  assert.equal(res.status, 201);
  return { id, secret: (await res.json()).secret as string };
}

async function watchdogReport(
  edge: TestEdge,
  node: { id: string; secret: string },
  kind: 'encoder' | 'collector',
  report: { state: string; failing: string[]; escalated: string[] },
) {
  const res = await edge.asNode(node.id, node.secret, '/api/v1/node/watchdog', {
    v: 1,
    nodeId: node.id,
    kind,
    state: report.state,
    intervalSeconds: 5,
    checks: report.failing.map((name) => ({ name, ok: false, detail: 'not answering' })),
    actions: [],
    escalated: report.escalated.map((target) => ({
      target,
      reason: 'restarted 3 times this hour',
      since: '2026-06-01T08:59:00Z',
    })),
  });
  assert.equal(res.status, 200, await res.clone().text());
}

/** Runs an operator command against the test edge; returns its output. */
async function run(
  edge: TestEdge,
  name: string,
  options: { args?: string[]; options?: Record<string, string | boolean>; json?: boolean } = {},
): Promise<string> {
  const command = operatorCommands.find((c) => c.name === name)!;
  const lines: string[] = [];
  const client = createEdgeClient(
    { url: 'http://edge.test', token: edge.adminToken },
    (input, init) => Promise.resolve(edge.app.request(String(input), init)),
  );
  const json = options.json ?? false;
  await command.run({
    args: options.args ?? [],
    options: options.options ?? {},
    json,
    out: createOutput(json, (text) => lines.push(text)),
    config: () => Promise.reject(new Error(`${name} needs no config here`)),
    edge: () => Promise.resolve(client),
  });
  return lines.join('\n');
}

/** `roomcast node list` (optionally --json). */
const nodeList = (edge: TestEdge, json: boolean) => run(edge, 'node list', { json });

test('node list shows the watchdog of each box: ok, degraded with the failing checks, ESCALATED, or -', async () => {
  const edge = await createTestEdge();
  try {
    const encoder = await addNode(edge, 'enc-1', 'encoder');
    const quiet = await addNode(edge, 'enc-2', 'encoder');
    const collector = await addNode(edge, 'col-1', 'collector');
    await addNode(edge, 'col-2', 'collector');
    await watchdogReport(edge, encoder, 'encoder', {
      state: 'degraded',
      failing: ['agent', 'room:demo'],
      escalated: [],
    });
    await watchdogReport(edge, quiet, 'encoder', { state: 'ok', failing: [], escalated: [] });
    await watchdogReport(edge, collector, 'collector', {
      state: 'escalated',
      failing: ['pipeline'],
      escalated: ['pipeline'],
    });

    assert.equal(
      await nodeList(edge, false),
      [
        'NODE   KIND       STATE  ROOMS  CAPACITY  CPU  VIEWERS  LAST HEARTBEAT  WATCHDOG',
        'col-1  collector  new    -      0         -    -        -               ESCALATED (pipeline)',
        'col-2  collector  new    -      0         -    -        -               -',
        'enc-1  encoder    new    -      0         -    -        -               degraded (agent, room:demo)',
        'enc-2  encoder    new    -      0         -    -        -               ok',
      ].join('\n'),
    );

    const fromApi = await (await edge.asOperator('GET', '/api/v1/nodes')).json();
    assert.deepEqual(
      JSON.parse(await nodeList(edge, true)),
      fromApi,
      '--json: the NodeInfo objects',
    );
    assert.equal(fromApi.nodes[0].watchdog.escalated[0].target, 'pipeline');
  } finally {
    await edge.close();
  }
});

test('the WATCHDOG cell names at most three targets, so one sick box does not widen the table', () => {
  const watchdog = {
    state: 'degraded' as const,
    at: '2026-06-01T09:00:00.000Z',
    failing: ['agent', 'nginx', 'room:a', 'room:b', 'room:c'].map((name) => ({
      name,
      detail: 'failing',
    })),
    actionsLastHour: 4,
    lastAction: null,
    escalated: [],
  };
  assert.equal(watchdogCell(watchdog), 'degraded (agent, nginx, room:a +2 more)');
  assert.equal(watchdogCell({ ...watchdog, state: 'escalated' }), 'ESCALATED');
  assert.equal(watchdogCell({ ...watchdog, failing: [] }), 'degraded');
  assert.equal(watchdogCell(null), null);
});

test('room create --encoder pins a room, room update --encoder moves or clears the pin, room list shows it', async () => {
  const edge = await createTestEdge();
  try {
    await addNode(edge, 'enc-1', 'encoder');
    await addNode(edge, 'enc-2', 'encoder');
    const created = JSON.parse(
      await run(edge, 'room create', {
        args: ['main-hall'],
        options: { title: 'Main Hall', encoder: 'enc-1', 'no-key': true },
        json: true,
      }),
    );
    assert.equal(created.room.encoderNodeId, 'enc-1');
    await run(edge, 'room create', { args: ['side'], options: { 'no-key': true } });
    assert.equal(
      await run(edge, 'room list'),
      [
        'ROOM       TITLE      EVENT  STATE    LADDER   ENCODER',
        'main-hall  Main Hall  -      offline  default  enc-1',
        'side       side       -      offline  default',
      ].join('\n'),
    );

    assert.equal(
      await run(edge, 'room update', { args: ['side'], options: { encoder: 'enc-2' } }),
      [
        'ROOM  TITLE  EVENT  STATE    LADDER   ENCODER',
        'side  side   -      offline  default  enc-2',
      ].join('\n'),
    );
    const cleared = JSON.parse(
      await run(edge, 'room update', {
        args: ['main-hall'],
        options: { encoder: 'assign', title: 'Hall' },
        json: true,
      }),
    );
    assert.equal(cleared.encoderNodeId, null);
    assert.equal(cleared.title, 'Hall');
    assert.equal(
      JSON.parse(await run(edge, 'room show', { args: ['side'], json: true })).encoderNodeId,
      'enc-2',
    );

    await assert.rejects(run(edge, 'room update', { args: ['side'] }), /nothing to change/);
    await assert.rejects(
      run(edge, 'room update', { args: ['side'], options: { encoder: 'enc-9' } }),
      /encoderNodeId: no node 'enc-9'/,
    );
  } finally {
    await edge.close();
  }
});
