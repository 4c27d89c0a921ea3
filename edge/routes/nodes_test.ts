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

/** The placement tests' fleet: encoders enc-a and enc-b registered, collector col-1 added. */
async function twoEncodersAndACollector(edge: TestEdge) {
  const a = await addNode(edge, 'enc-a', 'encoder');
  const b = await addNode(edge, 'enc-b', 'encoder');
  const collector = await addNode(edge, 'col-1', 'collector');
  await registerEncoder(edge, a);
  await registerEncoder(edge, b);
  return { a, b, collector };
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
    const { a, b, collector } = await twoEncodersAndACollector(edge);
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

test('ingest: a pinned room goes to its encoder, though another is less loaded and the pin is full', async () => {
  const edge = await createTestEdge();
  try {
    const { a, b, collector } = await twoEncodersAndACollector(edge);
    // enc-a is full (3 rooms, capacity 3) and busier; enc-b is idle.
    await edge.asNode(
      a.id,
      a.secret,
      '/api/v1/node/heartbeat',
      encoderHeartbeat(
        a,
        ['x1', 'x2', 'x3'].map((room) => ({ room, sessionId: `s-${room}` })),
        0.9,
      ),
    );
    await edge.asNode(b.id, b.secret, '/api/v1/node/heartbeat', encoderHeartbeat(b, [], 0.1));
    const pinned = await edge.asOperator('POST', '/api/v1/rooms', {
      id: 'pinned',
      encoderNodeId: 'enc-a',
    });
    assert.equal(pinned.status, 201, await pinned.clone().text());
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'free' });
    const ingest = async (room: string) => {
      const res = await edge.asNode(collector.id, collector.secret, '/api/v1/node/ingest', {
        v: 1,
        nodeId: 'col-1',
        room,
      });
      assert.equal(res.status, 200, await res.clone().text());
      return (await res.json()) as { encoderNodeId: string; rtmpUrl: string };
    };

    assert.deepEqual(await ingest('pinned'), {
      v: 1,
      room: 'pinned',
      encoderNodeId: 'enc-a',
      rtmpUrl: 'rtmp://enc-a.test:1935/live',
    });
    assert.equal((await ingest('free')).encoderNodeId, 'enc-b', 'unpinned: by load');

    // Pinning a room that is not live applies at its next placement, over the sticky choice.
    const patched = await edge.asOperator('PATCH', '/api/v1/rooms/free', {
      encoderNodeId: 'enc-a',
    });
    assert.equal(patched.status, 200);
    assert.equal((await patched.json()).encoderNodeId, 'enc-a');
    assert.equal((await ingest('free')).encoderNodeId, 'enc-a', 'the pin beats the sticky choice');
    assert.deepEqual(edge.logLines.filter((line) => line.includes('pinned=')), []);
  } finally {
    await edge.close();
  }
});

test('ingest: a pinned encoder that is down falls back to another with a warning, and is used again once up', async () => {
  const edge = await createTestEdge();
  try {
    const { a, b, collector } = await twoEncodersAndACollector(edge);
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'main-hall', encoderNodeId: 'enc-a' });
    const ingest = async () =>
      (await (await edge.asNode(collector.id, collector.secret, '/api/v1/node/ingest', {
        v: 1,
        nodeId: 'col-1',
        room: 'main-hall',
      })).json()).encoderNodeId;
    const pinLines = () => edge.logLines.filter((line) => line.includes('pinned='));

    // enc-a goes silent: after downAfterSeconds it is down; enc-b keeps beating.
    edge.advance(10_000);
    await edge.asNode(b.id, b.secret, '/api/v1/node/heartbeat', encoderHeartbeat(b, []));
    edge.advance(6_000);
    assert.equal(await ingest(), 'enc-b', 'the talk is not lost');
    assert.deepEqual(pinLines(), [
      '[edge] WARN pinned encoder is not up; the room goes to another encoder room=main-hall ' +
      'pinned=enc-a encoder=enc-b',
    ]);

    // enc-a is back: the next placement follows the pin again, without a warning.
    await registerEncoder(edge, a);
    assert.equal(await ingest(), 'enc-a');
    assert.equal(pinLines().length, 1);
  } finally {
    await edge.close();
  }
});

test('ingest: a room live on another encoder stays there; its pin applies once the session ends', async () => {
  const edge = await createTestEdge();
  try {
    const { b, collector } = await twoEncodersAndACollector(edge);
    const key = await roomWithKey(edge, 'main-hall');
    const allowed = await (await edge.asNode(
      b.id,
      b.secret,
      '/api/v1/node/hooks/publish',
      publish(b, key, '5'),
    )).json();
    assert.equal(allowed.decision, 'allow');
    // The operator pins the room to enc-a in the middle of a talk on enc-b.
    const patched = await edge.asOperator('PATCH', '/api/v1/rooms/main-hall', {
      encoderNodeId: 'enc-a',
    });
    assert.equal(patched.status, 200);
    const ingest = async () =>
      (await (await edge.asNode(collector.id, collector.secret, '/api/v1/node/ingest', {
        v: 1,
        nodeId: 'col-1',
        room: 'main-hall',
      })).json()).encoderNodeId;

    assert.equal(await ingest(), 'enc-b', 'a reconnect within the talk lands on the same node');
    assert.deepEqual(edge.logLines.filter((line) => line.includes('pinned=')), [
      '[edge] room stays on the encoder it is live on; its pin applies from the next placement ' +
      'room=main-hall pinned=enc-a encoder=enc-b',
    ]);

    const done = await edge.asNode(b.id, b.secret, '/api/v1/node/hooks/publish-done', {
      v: 1,
      nodeId: 'enc-b',
      clientId: '5',
      sessionId: allowed.sessionId,
      room: 'main-hall',
    });
    assert.equal(done.status, 200);
    assert.equal(await ingest(), 'enc-a', 'the next placement follows the pin');
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

// ---------------------------------------------------------------- watchdog reports

const WATCHDOG = '/api/v1/node/watchdog';

/** An encoder's watchdog report: one room's ffmpeg restarted twice, nginx escalated. */
function watchdogReport(node: Node, overrides: Record<string, unknown> = {}) {
  return {
    v: 1,
    nodeId: node.id,
    kind: 'encoder',
    state: 'degraded',
    intervalSeconds: 5,
    checks: [
      { name: 'agent', ok: true, detail: 'answers on /healthz' },
      { name: 'nginx', ok: true, detail: 'rtmp port accepts connections' },
      { name: 'room:demo', ok: false, detail: 'newest segment 14.2 s old' },
    ],
    actions: [
      {
        target: 'room:demo',
        action: 'killed-ffmpeg',
        at: '2026-06-01T08:40:00Z',
        reason: 'no new segment for 12 s',
      },
      {
        target: 'room:demo',
        action: 'killed-ffmpeg',
        at: '2026-06-01T08:58:30Z',
        reason: 'no new segment for 12 s',
      },
    ],
    escalated: [],
    ...overrides,
  };
}

async function watchdogOf(edge: TestEdge, nodeId: string) {
  const nodes = (await (await edge.asOperator('GET', '/api/v1/nodes')).json()).nodes;
  return nodes.find((n: { id: string }) => n.id === nodeId).watchdog;
}

test('watchdog: a signed report shows on the node list, also before the node registers', async () => {
  const edge = await createTestEdge();
  try {
    const encoder = await addNode(edge, 'enc-1', 'encoder');
    const collector = await addNode(edge, 'col-1', 'collector');
    assert.equal(await watchdogOf(edge, 'enc-1'), null, 'no report yet');

    const res = await edge.asNode(encoder.id, encoder.secret, WATCHDOG, watchdogReport(encoder));
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), { v: 1, ok: true });
    const nodes = (await (await edge.asOperator('GET', '/api/v1/nodes')).json()).nodes;
    assert.equal(nodes[1].state, 'new', 'the watchdog reports before the agent registers');
    assert.deepEqual(nodes[1].watchdog, {
      state: 'degraded',
      at: '2026-06-01T09:00:00.000Z',
      failing: [{ name: 'room:demo', detail: 'newest segment 14.2 s old' }],
      actionsLastHour: 2,
      lastAction: {
        target: 'room:demo',
        action: 'killed-ffmpeg',
        at: '2026-06-01T08:58:30Z',
        reason: 'no new segment for 12 s',
      },
      escalated: [],
    });

    // A collector's watchdog, escalated: the report replaces nothing of the encoder's.
    edge.advance(1_000);
    const escalated = [{
      target: 'pipeline',
      reason: 'restarted 3 times this hour; the input stays black',
      since: '2026-06-01T08:59:00Z',
    }];
    const fromCollector = await edge.asNode(collector.id, collector.secret, WATCHDOG, {
      ...watchdogReport(collector, { kind: 'collector', state: 'escalated', escalated }),
      checks: [{ name: 'pipeline', ok: false, detail: 'no frames for 30 s' }],
      actions: [],
    });
    assert.equal(fromCollector.status, 200, await fromCollector.clone().text());
    assert.deepEqual(await watchdogOf(edge, 'col-1'), {
      state: 'escalated',
      at: '2026-06-01T09:00:01.000Z',
      failing: [{ name: 'pipeline', detail: 'no frames for 30 s' }],
      actionsLastHour: 0,
      lastAction: null,
      escalated,
    });
    assert.equal((await watchdogOf(edge, 'enc-1')).state, 'degraded');
  } finally {
    await edge.close();
  }
});

test('watchdog: a report expires after 3 intervals (at least 15 s), so a silent watchdog shows as null', async () => {
  const edge = await createTestEdge();
  try {
    const encoder = await addNode(edge, 'enc-1', 'encoder');
    const report = (intervalSeconds: number) =>
      edge.asNode(
        encoder.id,
        encoder.secret,
        WATCHDOG,
        watchdogReport(encoder, { state: 'ok', intervalSeconds }),
      );

    assert.equal((await report(10)).status, 200);
    edge.advance(29_000);
    assert.equal((await watchdogOf(edge, 'enc-1'))?.state, 'ok', '3 × 10 s not yet over');
    edge.advance(2_000);
    assert.equal(await watchdogOf(edge, 'enc-1'), null, 'silent for more than 3 × 10 s');

    // Every second: three intervals would be 3 s; the floor keeps it 15 s.
    assert.equal((await report(1)).status, 200);
    edge.advance(14_000);
    assert.notEqual(await watchdogOf(edge, 'enc-1'), null, 'the 15 s floor holds');
    edge.advance(2_000);
    assert.equal(await watchdogOf(edge, 'enc-1'), null);

    // A removed node's last report does not resurface on a node added under its id.
    assert.equal((await report(60)).status, 200);
    assert.equal((await edge.asOperator('DELETE', '/api/v1/nodes/enc-1')).status, 200);
    await addNode(edge, 'enc-1', 'encoder');
    assert.equal(await watchdogOf(edge, 'enc-1'), null);
  } finally {
    await edge.close();
  }
});

test('watchdog: unsigned, wrongly signed, wrong-kind and malformed reports are refused and not kept', async () => {
  const edge = await createTestEdge();
  try {
    const encoder = await addNode(edge, 'enc-1', 'encoder');
    const collector = await addNode(edge, 'col-1', 'collector');
    const message = async (res: Response, status: number) => {
      assert.equal(res.status, status, await res.clone().text());
      return (await res.json()).error.message as string;
    };

    const unsigned = await edge.app.request(WATCHDOG, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(watchdogReport(encoder)),
    });
    assert.match(await message(unsigned, 401), /not signed by a node/);
    const wrongSecret = await edge.asNode(
      encoder.id,
      collector.secret,
      WATCHDOG,
      watchdogReport(encoder),
    );
    assert.match(await message(wrongSecret, 401), /signature does not match/);
    const otherNode = await edge.asNode(collector.id, collector.secret, WATCHDOG, {
      ...watchdogReport(encoder),
      kind: 'collector',
    });
    assert.match(await message(otherNode, 403), /signed by node 'col-1' speaks for 'enc-1'/);

    const wrongKind = await edge.asNode(
      collector.id,
      collector.secret,
      WATCHDOG,
      watchdogReport(collector),
    );
    assert.equal(
      await message(wrongKind, 409),
      "node 'col-1' was added as collector, not encoder: its watchdog must report kind 'collector'",
    );

    const malformed: [string, Record<string, unknown>, RegExp][] = [
      [
        'an unknown key',
        { uptime: 5 },
        /invalid body: \(whole value\): Unrecognized key: "uptime"/,
      ],
      ['an unknown state', { state: 'panicking' }, /invalid body: 'state'/],
      [
        '65 checks',
        { checks: Array.from({ length: 65 }, () => ({ name: 'agent', ok: true, detail: '' })) },
        /invalid body: 'checks': .*64/,
      ],
      [
        'a target name with capitals',
        { escalated: [{ target: 'Room:Demo', reason: 'x', since: '2026-06-01T09:00:00Z' }] },
        /invalid body: 'escalated\[0\]\.target'/,
      ],
      [
        'an unknown action',
        {
          actions: [{
            target: 'agent',
            action: 'rebooted',
            at: '2026-06-01T09:00:00Z',
            reason: '',
          }],
        },
        /invalid body: 'actions\[0\]\.action'/,
      ],
      ['a zero interval', { intervalSeconds: 0 }, /invalid body: 'intervalSeconds'/],
    ];
    for (const [what, overrides, expected] of malformed) {
      const res = await edge.asNode(
        encoder.id,
        encoder.secret,
        WATCHDOG,
        watchdogReport(encoder, overrides),
      );
      assert.match(await message(res, 400), expected, what);
    }
    assert.equal(await watchdogOf(edge, 'enc-1'), null, 'no refused report was kept');
    assert.equal(await watchdogOf(edge, 'col-1'), null);
  } finally {
    await edge.close();
  }
});

test('watchdog: an escalation is logged once as a warning (again for a new target), its end as info', async () => {
  const edge = await createTestEdge();
  try {
    const encoder = await addNode(edge, 'enc-1', 'encoder');
    const escalation = (target: string) => ({
      target,
      reason: `${target} restarted 3 times this hour`,
      since: '2026-06-01T08:59:00Z',
    });
    const report = async (overrides: Record<string, unknown>) => {
      const res = await edge.asNode(
        encoder.id,
        encoder.secret,
        WATCHDOG,
        watchdogReport(encoder, overrides),
      );
      assert.equal(res.status, 200, await res.clone().text());
      edge.advance(5_000);
    };
    const watchdogLines = () => edge.logLines.filter((line) => line.includes('watchdog'));

    await report({});
    assert.deepEqual(watchdogLines(), [], 'degraded is the watchdog at work: not logged');
    await report({ state: 'escalated', escalated: [escalation('room:demo')] });
    await report({ state: 'escalated', escalated: [escalation('room:demo')] });
    assert.deepEqual(watchdogLines(), [
      '[edge] WARN watchdog escalated: it stopped restarting and needs a person node=enc-1 ' +
      'targets=room:demo reasons=room:demo: room:demo restarted 3 times this hour',
    ]);

    await report({
      state: 'escalated',
      escalated: [escalation('room:demo'), escalation('nginx')],
    });
    assert.equal(watchdogLines().length, 2, 'one more target gave up: news');
    assert.match(watchdogLines()[1]!, /WARN .* targets=room:demo, nginx /);

    await report({ state: 'ok', checks: [], escalated: [] });
    await report({ state: 'ok', checks: [], escalated: [] });
    assert.deepEqual(watchdogLines().slice(2), [
      '[edge] watchdog no longer escalated node=enc-1 state=ok',
    ]);
  } finally {
    await edge.close();
  }
});
