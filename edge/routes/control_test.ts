// The control-room API on a test edge: the snapshot built from what the boxes report, its
// live stream, the pictures, and the room actions as the boxes receive them.
import assert from 'node:assert/strict';
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

/** A tiny real JPEG (SOI … EOI), as base64. */
const JPEG = btoa(String.fromCharCode(0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0xff, 0xd9));
const OUTPUT = {
  rendition: '360p',
  frameJpegBase64: JPEG,
  frameAt: '2026-06-01T08:59:58.000Z',
  blackSeconds: 0,
  frozenSeconds: 0,
  latencySeconds: 1.4,
};

async function eventWithTwoRooms(edge: TestEdge) {
  await edge.asOperator('POST', '/api/v1/events', { id: 'conf', title: 'Conference' });
  const encoder = await addNode(edge, 'enc-1', 'encoder');
  const spare = await addNode(edge, 'enc-2', 'encoder');
  const box = await addNode(edge, 'box-a', 'collector');
  await registerNode(edge, encoder);
  await registerNode(edge, spare);
  await registerNode(edge, box, 'collector');
  const key = await roomWithKey(edge, 'hall-a', { title: 'Hall A', eventId: 'conf' });
  await roomWithKey(edge, 'hall-b', { title: 'Hall B', eventId: 'conf' });
  await roomWithKey(edge, 'elsewhere', { title: 'Not in the event' });
  const sessionId = await publishAs(edge, encoder, key);
  await encoderHeartbeat(edge, encoder, [{
    room: 'hall-a',
    sessionId,
    viewers: 7,
    output: OUTPUT,
  }]);
  await encoderHeartbeat(edge, spare, []);
  await collectorHeartbeat(edge, box, 'hall-a', { previewJpegBase64: JPEG });
  return { encoder, spare, box, key, sessionId };
}

const snapshot = async (edge: TestEdge) => {
  const res = await edge.asOperator('GET', '/api/v1/control?event=conf');
  assert.equal(res.status, 200, await res.clone().text());
  return await res.json();
};

test('the snapshot: the event rooms as tiles from the boxes’ reports, the nodes, the alerts', async () => {
  const edge = await createTestEdge();
  try {
    await eventWithTwoRooms(edge);
    const control = await snapshot(edge);
    assert.deepEqual(control.event, { id: 'conf', title: 'Conference', state: 'scheduled' });
    assert.deepEqual(control.rooms.map((r: { id: string; state: string }) => [r.id, r.state]), [
      ['hall-a', 'live'],
      ['hall-b', 'offline'],
    ]);
    const [a, b] = control.rooms;
    assert.equal(a.viewers, 7);
    assert.equal(a.collector.nodeId, 'box-a');
    assert.equal(a.collector.uplink.bitrateKbps, 2500);
    assert.equal(a.collector.silentSeconds, 0);
    assert.match(
      a.collector.previewUrl,
      /^\/api\/v1\/control\/rooms\/hall-a\/preview\.jpg\?at=\d+$/,
    );
    assert.equal(a.encoder.nodeId, 'enc-1');
    assert.equal(a.encoder.cpuLoad, 0.2);
    assert.equal(a.encoder.output.latencySeconds, 1.4);
    assert.equal('frameJpegBase64' in a.encoder.output, false, 'pictures are fetched, not inlined');
    assert.match(
      a.encoder.output.frameUrl,
      /^\/api\/v1\/control\/rooms\/hall-a\/output\.jpg\?at=\d+$/,
    );
    assert.equal(b.collector, null);
    assert.equal(b.encoder, null);
    assert.deepEqual(control.nodes.map((n: { id: string }) => n.id), ['box-a', 'enc-1', 'enc-2']);
    assert.deepEqual(control.alerts, []);
    assert.equal(control.deadDeliveries, 0);

    for (const which of ['preview', 'output']) {
      const picture = await edge.asOperator('GET', `/api/v1/control/rooms/hall-a/${which}.jpg`);
      assert.equal(picture.status, 200);
      assert.equal(picture.headers.get('content-type'), 'image/jpeg');
      assert.equal(picture.headers.get('cache-control'), 'private, max-age=60');
      assert.deepEqual([...new Uint8Array(await picture.arrayBuffer())].slice(0, 2), [0xff, 0xd8]);
    }
    const none = await edge.asOperator('GET', '/api/v1/control/rooms/hall-b/output.jpg');
    assert.equal(none.status, 404);
    const everything = await (await edge.asOperator('GET', '/api/v1/control')).json();
    assert.equal(everything.rooms.length, 3, 'without an event: every room');
    assert.equal((await edge.asOperator('GET', '/api/v1/control?event=nope')).status, 404);
    assert.equal((await edge.asOperator('GET', '/api/v1/control?event=Bad!')).status, 400);
    assert.equal((await edge.app.request('/api/v1/control')).status, 401);
  } finally {
    await edge.close();
  }
});

test('the stream sends the snapshot at once and again when something changes', async () => {
  const edge = await createTestEdge();
  try {
    const { encoder, sessionId } = await eventWithTwoRooms(edge);
    const res = await edge.asOperator('GET', '/api/v1/control/stream?event=conf');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const nextSnapshot = async () => {
      let text = '';
      while (!/\n\n/.test(text)) text += (await reader.read()).value ?? '';
      const data = /^data: (.*)$/m.exec(text)![1]!;
      return JSON.parse(data);
    };
    const first = await nextSnapshot();
    assert.equal(first.rooms[0].state, 'live');
    await publishDone(edge, encoder, 'hall-a', sessionId);
    const second = await nextSnapshot();
    assert.equal(second.rooms[0].state, 'reconnecting');
    assert.ok(second.rooms[0].awaySince);
    await reader.cancel();
    const bad = await edge.asOperator('GET', '/api/v1/control/stream?event=Bad!&x=1');
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, /^invalid query: 'event'/);
    assert.equal((await edge.app.request('/api/v1/control/stream')).status, 401);
  } finally {
    await edge.close();
  }
});

test("restart: the room's encoder is told once, at its next heartbeat", async () => {
  const edge = await createTestEdge();
  try {
    const { encoder, sessionId } = await eventWithTwoRooms(edge);
    const res = await edge.asOperator('POST', '/api/v1/rooms/hall-a/pipeline/restart');
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), { room: 'hall-a', encoderNodeId: 'enc-1' });
    const rooms = [{ room: 'hall-a', sessionId }];
    assert.deepEqual((await encoderHeartbeat(edge, encoder, rooms)).restartRooms, ['hall-a']);
    assert.deepEqual((await encoderHeartbeat(edge, encoder, rooms)).restartRooms, []);
    const offline = await edge.asOperator('POST', '/api/v1/rooms/hall-b/pipeline/restart');
    assert.equal(offline.status, 409);
    assert.match(
      (await offline.json()).error.message,
      /room 'hall-b' is not live: nothing to restart/,
    );
  } finally {
    await edge.close();
  }
});

test('move: the room is pinned, its publish ends so the collector is placed on the new encoder', async () => {
  const edge = await createTestEdge();
  try {
    const { encoder, box, sessionId } = await eventWithTwoRooms(edge);
    const res = await edge.asOperator('POST', '/api/v1/rooms/hall-a/move', {
      encoderNodeId: 'enc-2',
    });
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), {
      room: 'hall-a',
      encoderNodeId: 'enc-2',
      reconnecting: true,
    });
    const answer = await encoderHeartbeat(edge, encoder, [{ room: 'hall-a', sessionId }]);
    assert.deepEqual(
      answer.cutOff,
      [{ nodeId: 'enc-1', clientId: '7' }],
      'the old encoder drops it',
    );
    const ingest = await edge.asNode(box.id, box.secret, '/api/v1/node/ingest', {
      v: 1,
      nodeId: box.id,
      room: 'hall-a',
    });
    assert.equal((await ingest.json()).encoderNodeId, 'enc-2');
    assert.equal((await snapshot(edge)).rooms[0].state, 'reconnecting', 'expected back');

    const unknown = await edge.asOperator('POST', '/api/v1/rooms/hall-a/move', {
      encoderNodeId: 'box-a',
    });
    assert.equal(unknown.status, 404);
    edge.advance((edge.deps.settings.nodes.downAfterSeconds + 1) * 1000);
    const down = await edge.asOperator('POST', '/api/v1/rooms/hall-a/move', {
      encoderNodeId: 'enc-1',
    });
    assert.equal(down.status, 409);
    const junk = await edge.asOperator('POST', '/api/v1/rooms/hall-a/move', { encoder: 'enc-1' });
    assert.equal(junk.status, 400);
  } finally {
    await edge.close();
  }
});

test('end session: the publish is ended by the operator, named, and cut at the next heartbeat', async () => {
  const edge = await createTestEdge();
  try {
    const { encoder, sessionId } = await eventWithTwoRooms(edge);
    const res = await edge.asOperator('POST', '/api/v1/rooms/hall-a/session/end');
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), { room: 'hall-a', sessionId });
    const answer = await encoderHeartbeat(edge, encoder, [{ room: 'hall-a', sessionId }]);
    assert.deepEqual(answer.cutOff, [{ nodeId: 'enc-1', clientId: '7' }]);
    const update = await edge.asNode(encoder.id, encoder.secret, '/api/v1/node/hooks/update', {
      v: 1,
      nodeId: encoder.id,
      clientId: '7',
      sessionId,
      room: 'hall-a',
      time: 30,
    });
    assert.deepEqual(await update.json(), {
      v: 1,
      decision: 'cutOff',
      reason: 'ended by Administrator',
    });
    assert.equal((await snapshot(edge)).rooms[0].state, 'offline');
    assert.equal((await edge.asOperator('POST', '/api/v1/rooms/hall-a/session/end')).status, 409);
    assert.equal((await edge.asOperator('POST', '/api/v1/rooms/nope/session/end')).status, 404);
  } finally {
    await edge.close();
  }
});
