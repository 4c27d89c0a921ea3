import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signRequest } from '../../core/wire/signing.ts';
import { createTestEdge, type TestEdge } from '../testing.ts';

interface Node {
  id: string;
  secret: string;
}

async function addNode(edge: TestEdge, id: string, kind: 'encoder' | 'collector'): Promise<Node> {
  const res = await edge.asOperator('POST', '/api/v1/nodes', { id, kind });
  assert.equal(res.status, 201);
  return { id, secret: (await res.json()).secret };
}

async function registerEncoder(edge: TestEdge, node: Node, capacity = 3) {
  const res = await edge.asNode(node.id, node.secret, '/api/v1/node/register', {
    v: 1,
    nodeId: node.id,
    kind: 'encoder',
    softwareVersion: '0.1.0',
    publicUrl: `http://${node.id}.test:8088`,
    rtmpUrl: `rtmp://${node.id}.test:1935/live`,
    capacity,
  });
  assert.equal(res.status, 200, await res.clone().text());
}

function encoderHeartbeat(
  node: Node,
  rooms: { room: string; sessionId: string; viewers?: number }[],
  cpuLoad = 0.2,
) {
  return {
    v: 1,
    nodeId: node.id,
    kind: 'encoder',
    capacity: 3,
    cpuLoad,
    rooms: rooms.map((r) => ({
      room: r.room,
      sessionId: r.sessionId,
      renditions: [{ name: '720p', speed: 1.01 }],
      viewers: r.viewers ?? 0,
      errors: [],
    })),
    errors: [],
  };
}

const publish = (node: Node, streamKey: string, clientId = '7', addr = '203.0.113.9') => ({
  v: 1,
  nodeId: node.id,
  clientId,
  app: 'live',
  streamKey,
  addr,
});

async function roomWithKey(edge: TestEdge, id: string): Promise<string> {
  const res = await edge.asOperator('POST', '/api/v1/rooms', { id });
  return (await res.json()).streamKey.key;
}

test('publish: a valid key is allowed and named by the room id; wrong and revoked keys are refused', async () => {
  const edge = await createTestEdge();
  try {
    const encoder = await addNode(edge, 'enc-1', 'encoder');
    await registerEncoder(edge, encoder);
    const key = await roomWithKey(edge, 'main-hall');

    const allowed = await (await edge.asNode(
      encoder.id,
      encoder.secret,
      '/api/v1/node/hooks/publish',
      publish(encoder, key),
    )).json();
    assert.equal(allowed.decision, 'allow');
    assert.equal(allowed.room, 'main-hall');
    assert.equal(allowed.takeover, null);
    assert.ok(!JSON.stringify(allowed).includes(key), 'the answer never echoes the key');

    const wrong = await (await edge.asNode(
      encoder.id,
      encoder.secret,
      '/api/v1/node/hooks/publish',
      publish(encoder, 'rk_wrong', '8'),
    )).json();
    assert.deepEqual(wrong, { v: 1, decision: 'refuse', reason: 'unknown stream key' });

    const keys = (await (await edge.asOperator('GET', '/api/v1/rooms/main-hall/keys')).json()).keys;
    await edge.asOperator('DELETE', `/api/v1/rooms/main-hall/keys/${keys[0].id}`);
    const revoked = await (await edge.asNode(
      encoder.id,
      encoder.secret,
      '/api/v1/node/hooks/publish',
      publish(encoder, key, '9'),
    )).json();
    assert.deepEqual(revoked, { v: 1, decision: 'refuse', reason: 'stream key was revoked' });

    assert.ok(edge.logLines.some((line) => line.includes('publish allowed')));
    assert.ok(!edge.logLines.join('\n').includes(key), 'no log line carries the key');
  } finally {
    await edge.close();
  }
});

test('publish: guessing keys from one address is rate limited', async () => {
  const edge = await createTestEdge();
  try {
    const encoder = await addNode(edge, 'enc-1', 'encoder');
    const key = await roomWithKey(edge, 'room');
    for (let i = 0; i < 10; i++) {
      const res = await (await edge.asNode(
        encoder.id,
        encoder.secret,
        '/api/v1/node/hooks/publish',
        publish(encoder, `rk_guess${i}`, String(i)),
      )).json();
      assert.equal(res.reason, 'unknown stream key');
    }
    const limited = await (await edge.asNode(
      encoder.id,
      encoder.secret,
      '/api/v1/node/hooks/publish',
      publish(encoder, key, '99'),
    )).json();
    assert.equal(limited.decision, 'refuse');
    assert.match(limited.reason, /too many failed attempts/);
    const otherAddr = await (await edge.asNode(
      encoder.id,
      encoder.secret,
      '/api/v1/node/hooks/publish',
      publish(encoder, key, '100', '198.51.100.1'),
    )).json();
    assert.equal(otherAddr.decision, 'allow');
    edge.advance(61_000);
    const later = await (await edge.asNode(
      encoder.id,
      encoder.secret,
      '/api/v1/node/hooks/publish',
      publish(encoder, key, '101'),
    )).json();
    assert.equal(later.decision, 'allow', 'the window passes');
  } finally {
    await edge.close();
  }
});

test('publish: a new publish with the same key takes over the ghost session', async () => {
  const edge = await createTestEdge();
  try {
    const encoder = await addNode(edge, 'enc-1', 'encoder');
    const key = await roomWithKey(edge, 'room');
    const first = await (await edge.asNode(
      encoder.id,
      encoder.secret,
      '/api/v1/node/hooks/publish',
      publish(encoder, key, '1'),
    )).json();
    const retried = await (await edge.asNode(
      encoder.id,
      encoder.secret,
      '/api/v1/node/hooks/publish',
      publish(encoder, key, '1'),
    )).json();
    assert.equal(
      retried.sessionId,
      first.sessionId,
      'a retried hook for the same connection is idempotent',
    );

    edge.advance(90_000);
    const second = await (await edge.asNode(
      encoder.id,
      encoder.secret,
      '/api/v1/node/hooks/publish',
      publish(encoder, key, '2'),
    )).json();
    assert.equal(second.decision, 'allow');
    assert.deepEqual(second.takeover, { nodeId: 'enc-1', clientId: '1' });
    assert.notEqual(second.sessionId, first.sessionId);

    const update = (sessionId: string, clientId: string) =>
      edge.asNode(encoder.id, encoder.secret, '/api/v1/node/hooks/update', {
        v: 1,
        nodeId: 'enc-1',
        clientId,
        sessionId,
        room: 'room',
        time: 90,
      });
    assert.equal((await (await update(first.sessionId, '1')).json()).decision, 'cutOff');
    assert.equal((await (await update(second.sessionId, '2')).json()).decision, 'continue');
  } finally {
    await edge.close();
  }
});

test('on_update cuts a live publish off once its key is revoked; publish-done ends the session', async () => {
  const edge = await createTestEdge();
  try {
    const encoder = await addNode(edge, 'enc-1', 'encoder');
    const key = await roomWithKey(edge, 'room');
    const allowed = await (await edge.asNode(
      encoder.id,
      encoder.secret,
      '/api/v1/node/hooks/publish',
      publish(encoder, key),
    )).json();
    const update = {
      v: 1,
      nodeId: 'enc-1',
      clientId: '7',
      sessionId: allowed.sessionId,
      room: 'room',
      time: 10,
    };
    assert.equal(
      (await (await edge.asNode(encoder.id, encoder.secret, '/api/v1/node/hooks/update', update))
        .json()).decision,
      'continue',
    );
    assert.equal((await (await edge.asOperator('GET', '/api/v1/rooms/room')).json()).state, 'live');

    await edge.asOperator('POST', '/api/v1/rooms/room/keys/rotate');
    const cut =
      await (await edge.asNode(encoder.id, encoder.secret, '/api/v1/node/hooks/update', update))
        .json();
    assert.deepEqual(cut, { v: 1, decision: 'cutOff', reason: 'stream key was revoked' });
    assert.equal(
      (await (await edge.asOperator('GET', '/api/v1/rooms/room')).json()).state,
      'offline',
    );

    const key2 = (await (await edge.asOperator('POST', '/api/v1/rooms/room/keys')).json()).key;
    const again = await (await edge.asNode(
      encoder.id,
      encoder.secret,
      '/api/v1/node/hooks/publish',
      publish(encoder, key2, '8'),
    )).json();
    const done = await edge.asNode(encoder.id, encoder.secret, '/api/v1/node/hooks/publish-done', {
      v: 1,
      nodeId: 'enc-1',
      clientId: '8',
      sessionId: again.sessionId,
      room: 'room',
    });
    assert.equal(done.status, 200);
    assert.equal(
      (await (await edge.asOperator('GET', '/api/v1/rooms/room')).json()).state,
      'offline',
    );
  } finally {
    await edge.close();
  }
});

test('signed requests: tampered, unsigned, stale, replayed, unknown-node and wrong-kind requests are refused', async () => {
  const edge = await createTestEdge();
  try {
    const encoder = await addNode(edge, 'enc-1', 'encoder');
    const collector = await addNode(edge, 'col-1', 'collector');
    const path = '/api/v1/node/hooks/publish';
    const body = JSON.stringify(publish(encoder, 'rk_x'));
    const send = (headers: Record<string, string>, text = body) =>
      edge.app.request(path, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: text,
      });
    const reason = async (res: Response) => {
      assert.equal(res.status, 401);
      return (await res.json()).error.message as string;
    };

    const headers = await signRequest('enc-1', encoder.secret, {
      method: 'POST',
      pathWithQuery: path,
      body,
    }, edge.deps.now());
    assert.match(
      await reason(await send(headers, body.replace('rk_x', 'rk_y'))),
      /signature does not match/,
    );
    assert.equal((await send(headers)).status, 200, 'the untampered request passes');
    assert.match(await reason(await send(headers)), /replayed/);
    assert.match(await reason(await send({})), /not signed by a node/);

    const stale = await signRequest('enc-1', encoder.secret, {
      method: 'POST',
      pathWithQuery: path,
      body,
    }, edge.deps.now() - 120_000);
    assert.match(await reason(await send(stale)), /away from the edge's clock/);

    const wrongSecret = await signRequest('enc-1', collector.secret, {
      method: 'POST',
      pathWithQuery: path,
      body,
    }, edge.deps.now());
    assert.match(await reason(await send(wrongSecret)), /signature does not match/);
    const unknown = await signRequest('enc-9', encoder.secret, {
      method: 'POST',
      pathWithQuery: path,
      body,
    }, edge.deps.now());
    assert.match(await reason(await send(unknown)), /signature does not match/);

    const asCollector = await edge.asNode(
      collector.id,
      collector.secret,
      path,
      publish(collector, 'rk_x'),
    );
    assert.equal(asCollector.status, 403, 'collectors cannot relay hooks');
    const impersonating = await edge.asNode(encoder.id, encoder.secret, path, {
      ...publish(encoder, 'rk_x'),
      nodeId: 'enc-2',
    });
    assert.equal(impersonating.status, 403);

    const rotated = await (await edge.asOperator('POST', '/api/v1/nodes/enc-1/rotate-secret'))
      .json();
    assert.equal(
      (await edge.asNode('enc-1', encoder.secret, path, publish(encoder, 'rk_x', '2'))).status,
      401,
      'the old secret stops working',
    );
    assert.equal(
      (await edge.asNode('enc-1', rotated.secret, path, publish(encoder, 'rk_x', '3'))).status,
      200,
    );
  } finally {
    await edge.close();
  }
});

test('registry: heartbeats keep a node up, silence marks it down, ingest picks the least-loaded healthy encoder', async () => {
  const edge = await createTestEdge();
  try {
    const a = await addNode(edge, 'enc-a', 'encoder');
    const b = await addNode(edge, 'enc-b', 'encoder');
    const collector = await addNode(edge, 'col-1', 'collector');
    await registerEncoder(edge, a);
    await registerEncoder(edge, b);
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'r1' });
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'r2' });

    // enc-a carries two rooms, enc-b one: a new room goes to enc-b.
    await edge.asNode(
      a.id,
      a.secret,
      '/api/v1/node/heartbeat',
      encoderHeartbeat(a, [{ room: 'x1', sessionId: 's1' }, { room: 'x2', sessionId: 's2' }]),
    );
    await edge.asNode(
      b.id,
      b.secret,
      '/api/v1/node/heartbeat',
      encoderHeartbeat(b, [{ room: 'x3', sessionId: 's3' }]),
    );
    const ingest = (room: string) =>
      edge.asNode(collector.id, collector.secret, '/api/v1/node/ingest', {
        v: 1,
        nodeId: 'col-1',
        room,
      });
    const first = await (await ingest('r1')).json();
    assert.deepEqual(first, {
      v: 1,
      room: 'r1',
      encoderNodeId: 'enc-b',
      rtmpUrl: 'rtmp://enc-b.test:1935/live',
    });

    // enc-b goes silent: after downAfterSeconds it is down and gets no rooms.
    edge.advance(10_000);
    await edge.asNode(a.id, a.secret, '/api/v1/node/heartbeat', encoderHeartbeat(a, []));
    edge.advance(6_000);
    const nodes = (await (await edge.asOperator('GET', '/api/v1/nodes')).json()).nodes;
    const state = Object.fromEntries(
      nodes.map((n: { id: string; state: string }) => [n.id, n.state]),
    );
    assert.deepEqual(state, { 'col-1': 'new', 'enc-a': 'up', 'enc-b': 'down' });
    const second = await (await ingest('r1')).json();
    assert.equal(
      second.encoderNodeId,
      'enc-a',
      'the sticky assignment yields when its node is down',
    );

    edge.advance(16_000);
    const none = await ingest('r2');
    assert.equal(none.status, 503);
    assert.match((await none.json()).error.message, /no healthy encoder/);
  } finally {
    await edge.close();
  }
});

test('heartbeat answers which sessions the node must drop', async () => {
  const edge = await createTestEdge();
  try {
    const encoder = await addNode(edge, 'enc-1', 'encoder');
    await registerEncoder(edge, encoder);
    const key = await roomWithKey(edge, 'room');
    const first = await (await edge.asNode(
      encoder.id,
      encoder.secret,
      '/api/v1/node/hooks/publish',
      publish(encoder, key, '1'),
    )).json();
    const beat = async () =>
      (await (await edge.asNode(
        encoder.id,
        encoder.secret,
        '/api/v1/node/heartbeat',
        encoderHeartbeat(encoder, [{ room: 'room', sessionId: first.sessionId }]),
      )).json()).cutOff;
    assert.deepEqual(await beat(), []);
    await edge.asOperator('POST', '/api/v1/rooms/room/keys/rotate');
    await edge.asNode(encoder.id, encoder.secret, '/api/v1/node/hooks/update', {
      v: 1,
      nodeId: 'enc-1',
      clientId: '1',
      sessionId: first.sessionId,
      room: 'room',
      time: 5,
    });
    assert.deepEqual(await beat(), [{ nodeId: 'enc-1', clientId: '1' }]);
  } finally {
    await edge.close();
  }
});

test('heartbeat names the reported rooms whose event is over, so the node can end their playlists', async () => {
  const edge = await createTestEdge();
  try {
    const encoder = await addNode(edge, 'enc-1', 'encoder');
    await registerEncoder(edge, encoder);
    await edge.asOperator('POST', '/api/v1/events', { id: 'conf', title: 'Conf' });
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'hall', eventId: 'conf' });
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'loose' });
    const beat = async () =>
      (await (await edge.asNode(encoder.id, encoder.secret, '/api/v1/node/heartbeat', {
        ...encoderHeartbeat(encoder, []),
        idleRooms: ['hall', 'loose', 'gone'],
      })).json()).endedRooms;
    // A room that no longer exists is over; one whose event still runs is not.
    assert.deepEqual(await beat(), ['gone']);
    await edge.asOperator('PATCH', '/api/v1/events/conf', { state: 'ended' });
    assert.deepEqual(await beat(), ['hall', 'gone']);
  } finally {
    await edge.close();
  }
});

test('collector heartbeat with levels and a preview is accepted; a malformed one names the field', async () => {
  const edge = await createTestEdge();
  try {
    const collector = await addNode(edge, 'col-1', 'collector');
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'main-hall' });
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'side' });
    await edge.asNode(collector.id, collector.secret, '/api/v1/node/register', {
      v: 1,
      nodeId: 'col-1',
      kind: 'collector',
      softwareVersion: '0.1.0',
      publicUrl: null,
      rtmpUrl: null,
      capacity: 1,
    });
    const heartbeat = {
      v: 1,
      nodeId: 'col-1',
      kind: 'collector',
      room: 'main-hall',
      state: 'live',
      input: { present: true, format: '1280x720p30' },
      levels: [{ rmsDb: -18.5, peakDb: -6 }, { rmsDb: -19, peakDb: -7 }],
      uplink: {
        state: 'live',
        bitrateKbps: 2500,
        reconnects: 2,
        lastFailureAt: '2026-06-01T08:59:00Z',
      },
      recording: { active: true, diskFreeMb: 50_000, lowDisk: false },
      previewJpegBase64: '/9j/4AAQSkZJRg==',
    };
    const ok = await edge.asNode(
      collector.id,
      collector.secret,
      '/api/v1/node/heartbeat',
      heartbeat,
    );
    assert.equal(ok.status, 200);
    // The control room reads it back; another room has had no collector report.
    const report = await edge.asOperator('GET', '/api/v1/rooms/main-hall/collector');
    assert.equal(report.status, 200);
    const { at, ...reported } = await report.json();
    const { v: _v, kind: _kind, ...expected } = heartbeat;
    assert.deepEqual(reported, expected);
    assert.ok(!Number.isNaN(Date.parse(at)), 'the time the edge received it');
    const silent = await edge.asOperator('GET', '/api/v1/rooms/side/collector');
    assert.equal(silent.status, 404);
    assert.match((await silent.json()).error.message, /no collector has reported for room 'side'/);
    const bad = await edge.asNode(collector.id, collector.secret, '/api/v1/node/heartbeat', {
      ...heartbeat,
      levels: [{ rmsDb: 'loud', peakDb: 0 }],
    });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, /'levels\[0\]\.rmsDb'/);
  } finally {
    await edge.close();
  }
});
