// Test helpers that play the boxes against a test edge: add and register nodes, publish
// through the encoder's hooks, heartbeat as an encoder or a collector.
import assert from 'node:assert/strict';
import type { TestEdge } from './testing.ts';

export interface TestNode {
  id: string;
  secret: string;
}

export async function addNode(
  edge: TestEdge,
  id: string,
  kind: 'encoder' | 'collector',
): Promise<TestNode> {
  const res = await edge.asOperator('POST', '/api/v1/nodes', { id, kind });
  assert.equal(res.status, 201, await res.clone().text());
  return { id, secret: (await res.json()).secret };
}

export async function registerNode(
  edge: TestEdge,
  node: TestNode,
  kind: 'encoder' | 'collector' = 'encoder',
) {
  const res = await edge.asNode(node.id, node.secret, '/api/v1/node/register', {
    v: 1,
    nodeId: node.id,
    kind,
    softwareVersion: '0.1.0',
    publicUrl: kind === 'encoder' ? `http://${node.id}.test:8088` : null,
    rtmpUrl: kind === 'encoder' ? `rtmp://${node.id}.test:1935/live` : null,
    capacity: kind === 'encoder' ? 3 : 0,
  });
  assert.equal(res.status, 200, await res.clone().text());
}

/** A room (its id as title) and its first stream key. */
export async function roomWithKey(edge: TestEdge, id: string, extra: object = {}) {
  const res = await edge.asOperator('POST', '/api/v1/rooms', { id, ...extra });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()).streamKey.key as string;
}

/** nginx-rtmp's on_publish through the node; the session id when allowed. */
export async function publishAs(
  edge: TestEdge,
  node: TestNode,
  streamKey: string,
  options: { clientId?: string; addr?: string } = {},
): Promise<string> {
  const res = await edge.asNode(node.id, node.secret, '/api/v1/node/hooks/publish', {
    v: 1,
    nodeId: node.id,
    clientId: options.clientId ?? '7',
    app: 'live',
    streamKey,
    addr: options.addr ?? '203.0.113.9',
  });
  const decision = await res.json();
  assert.equal(decision.decision, 'allow', JSON.stringify(decision));
  return decision.sessionId;
}

export async function publishDone(
  edge: TestEdge,
  node: TestNode,
  room: string,
  sessionId: string,
  clientId = '7',
) {
  const res = await edge.asNode(node.id, node.secret, '/api/v1/node/hooks/publish-done', {
    v: 1,
    nodeId: node.id,
    clientId,
    sessionId,
    room,
  });
  assert.equal(res.status, 200, await res.clone().text());
}

export interface EncoderRoomInput {
  room: string;
  sessionId: string;
  viewers?: number;
  output?: object;
}

/** An encoder heartbeat; the edge's answer. */
export async function encoderHeartbeat(
  edge: TestEdge,
  node: TestNode,
  rooms: EncoderRoomInput[],
  cpuLoad = 0.2,
) {
  const res = await edge.asNode(node.id, node.secret, '/api/v1/node/heartbeat', {
    v: 1,
    nodeId: node.id,
    kind: 'encoder',
    capacity: 3,
    cpuLoad,
    rooms: rooms.map((r) => ({
      room: r.room,
      sessionId: r.sessionId,
      renditions: [{ name: '360p', speed: 1.01 }],
      viewers: r.viewers ?? 0,
      errors: [],
      ...(r.output ? { output: r.output } : {}),
    })),
    errors: [],
  });
  assert.equal(res.status, 200, await res.clone().text());
  return await res.json();
}

/** A collector heartbeat for `room`, live and audible unless `overrides` say otherwise. */
export async function collectorHeartbeat(
  edge: TestEdge,
  node: TestNode,
  room: string,
  overrides: Record<string, unknown> = {},
) {
  const res = await edge.asNode(node.id, node.secret, '/api/v1/node/heartbeat', {
    v: 1,
    nodeId: node.id,
    kind: 'collector',
    room,
    state: 'live',
    input: { present: true, format: '1280x720 30 fps' },
    levels: [{ rmsDb: -20, peakDb: -8 }, { rmsDb: -21, peakDb: -9 }],
    audio: { silentSeconds: 0, clipping: false },
    uplink: { state: 'live', bitrateKbps: 2500, reconnects: 0, lastFailureAt: null },
    recording: { active: true, diskFreeMb: 50_000, lowDisk: false },
    previewJpegBase64: null,
    ...overrides,
  });
  assert.equal(res.status, 200, await res.clone().text());
}
