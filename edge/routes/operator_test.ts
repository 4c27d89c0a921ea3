import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestEdge } from '../testing.ts';

test('operator creates a room and gets its stream key exactly once', async () => {
  const edge = await createTestEdge();
  try {
    const created = await edge.asOperator('POST', '/api/v1/rooms', {
      id: 'main-hall',
      title: 'Main Hall',
    });
    assert.equal(created.status, 201);
    const body = await created.json();
    assert.equal(body.room.id, 'main-hall');
    assert.equal(body.room.state, 'offline');
    assert.match(body.streamKey.key, /^rk_[A-Za-z0-9_-]{32}$/);

    const keys = await (await edge.asOperator('GET', '/api/v1/rooms/main-hall/keys')).json();
    assert.equal(keys.keys.length, 1);
    assert.equal(keys.keys[0].hint, `${body.streamKey.key.slice(0, 7)}…`);
    assert.ok(!JSON.stringify(keys).includes(body.streamKey.key), 'listing never shows the key');

    const listed = await (await edge.asOperator('GET', '/api/v1/rooms')).json();
    assert.deepEqual(listed.rooms.map((r: { id: string }) => r.id), ['main-hall']);
    assert.equal((await edge.asOperator('POST', '/api/v1/rooms', { id: 'main-hall' })).status, 409);
  } finally {
    await edge.close();
  }
});

test('rotation revokes every old key and returns one new key', async () => {
  const edge = await createTestEdge();
  try {
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'side' });
    await edge.asOperator('POST', '/api/v1/rooms/side/keys');
    const rotated = await (await edge.asOperator('POST', '/api/v1/rooms/side/keys/rotate')).json();
    assert.equal(rotated.revoked, 2);
    const keys = (await (await edge.asOperator('GET', '/api/v1/rooms/side/keys')).json()).keys;
    assert.equal(keys.filter((k: { revokedAt: string | null }) => k.revokedAt === null).length, 1);

    const revoke = await edge.asOperator('DELETE', `/api/v1/rooms/side/keys/${rotated.info.id}`);
    assert.equal(revoke.status, 200);
    assert.equal(
      (await edge.asOperator('DELETE', `/api/v1/rooms/side/keys/${rotated.info.id}`)).status,
      404,
    );
  } finally {
    await edge.close();
  }
});

test('events: create, patch, list, and rooms filtered by event', async () => {
  const edge = await createTestEdge();
  try {
    const event = await edge.asOperator('POST', '/api/v1/events', {
      id: 'pycon-2026',
      title: 'PyCon',
      startsAt: '2026-06-01T08:00:00Z',
    });
    assert.equal(event.status, 201);
    assert.equal(
      (await edge.asOperator('PATCH', '/api/v1/events/pycon-2026', { state: 'live' })).status,
      200,
    );
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'a', eventId: 'pycon-2026' });
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'b' });
    const rooms =
      (await (await edge.asOperator('GET', '/api/v1/rooms?event=pycon-2026')).json()).rooms;
    assert.deepEqual(rooms.map((r: { id: string }) => r.id), ['a']);
    assert.equal(
      (await edge.asOperator('POST', '/api/v1/rooms', { id: 'c', eventId: 'nope' })).status,
      404,
    );
    const events = (await (await edge.asOperator('GET', '/api/v1/events')).json()).events;
    assert.equal(events[0].state, 'live');
  } finally {
    await edge.close();
  }
});

test('a room is pinned to an encoder by encoderNodeId: checked, shown, cleared, unpinned when the node goes', async () => {
  const edge = await createTestEdge();
  try {
    for (const [id, kind] of [['enc-1', 'encoder'], ['enc-2', 'encoder'], ['col-1', 'collector']]) {
      assert.equal((await edge.asOperator('POST', '/api/v1/nodes', { id, kind })).status, 201);
    }
    const created = await edge.asOperator('POST', '/api/v1/rooms', {
      id: 'main-hall',
      encoderNodeId: 'enc-1',
    });
    assert.equal(created.status, 201);
    assert.equal((await created.json()).room.encoderNodeId, 'enc-1');
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'side' });
    const room = async (id: string) =>
      await (await edge.asOperator('GET', `/api/v1/rooms/${id}`)).json();
    assert.equal((await room('side')).encoderNodeId, null, 'unpinned by default');
    const listed = (await (await edge.asOperator('GET', '/api/v1/rooms')).json()).rooms;
    assert.deepEqual(
      listed.map((r: { id: string; encoderNodeId: string | null }) => [r.id, r.encoderNodeId]),
      [['main-hall', 'enc-1'], ['side', null]],
    );

    const refused = async (method: string, path: string, body: unknown, status: number) => {
      const res = await edge.asOperator(method, path, body);
      const text = await res.text();
      assert.equal(res.status, status, text);
      return JSON.parse(text).error as { message: string; issues?: string[] };
    };
    for (
      const [method, path, extra] of [
        ['POST', '/api/v1/rooms', { id: 'new-room' }],
        ['PATCH', '/api/v1/rooms/side', {}],
      ] as const
    ) {
      const unknown = await refused(method, path, { ...extra, encoderNodeId: 'enc-9' }, 409);
      assert.equal(
        unknown.message,
        "encoderNodeId: no node 'enc-9'; add it first (roomcast node add enc-9 --kind encoder), " +
          'or leave the room unpinned (null) for the edge to place it by load',
      );
      const collector = await refused(method, path, { ...extra, encoderNodeId: 'col-1' }, 409);
      assert.equal(
        collector.message,
        "encoderNodeId: node 'col-1' is a collector; a room can only be pinned to an encoder",
      );
      const bad = await refused(method, path, { ...extra, encoderNodeId: 'Enc 1!' }, 400);
      assert.match(bad.issues![0]!, /^'encoderNodeId': must be 1-63 characters/);
    }
    assert.equal((await edge.asOperator('GET', '/api/v1/rooms/new-room')).status, 404);
    assert.equal((await room('side')).encoderNodeId, null, 'a refused pin changes nothing');

    // A patch without the field leaves the pin; another node moves it; null clears it.
    const renamed = await edge.asOperator('PATCH', '/api/v1/rooms/main-hall', { title: 'Main' });
    assert.equal((await renamed.json()).encoderNodeId, 'enc-1');
    const moved = await edge.asOperator('PATCH', '/api/v1/rooms/main-hall', {
      encoderNodeId: 'enc-2',
    });
    assert.equal((await moved.json()).encoderNodeId, 'enc-2');
    const cleared = await edge.asOperator('PATCH', '/api/v1/rooms/main-hall', {
      encoderNodeId: null,
    });
    assert.equal(cleared.status, 200);
    assert.equal((await cleared.json()).encoderNodeId, null);

    // Removing a node unpins its rooms (they are placed by load again); others keep theirs.
    await edge.asOperator('PATCH', '/api/v1/rooms/main-hall', { encoderNodeId: 'enc-1' });
    await edge.asOperator('PATCH', '/api/v1/rooms/side', { encoderNodeId: 'enc-2' });
    assert.equal((await edge.asOperator('DELETE', '/api/v1/nodes/enc-1')).status, 200);
    assert.equal((await room('main-hall')).encoderNodeId, null);
    assert.equal((await room('side')).encoderNodeId, 'enc-2');
  } finally {
    await edge.close();
  }
});

test('roles: no token 401, viewer 403, owner only manages keys of own rooms', async () => {
  const edge = await createTestEdge();
  try {
    assert.equal((await edge.app.request('/api/v1/rooms')).status, 401);
    const owner = await (await edge.asOperator('POST', '/api/v1/accounts', {
      email: 'owner@example.test',
      role: 'streamer',
      password: 'correct horse battery',
    })).json();
    await edge.asOperator('POST', '/api/v1/accounts', {
      email: 'viewer@example.test',
      role: 'viewer',
      password: 'correct horse battery',
    });
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'mine', ownerAccountId: owner.id });
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'theirs' });

    const login = async (email: string) => {
      const res = await edge.app.request('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'correct horse battery' }),
      });
      assert.equal(res.status, 200);
      return (await res.json()).token as string;
    };
    const ownerToken = await login('owner@example.test');
    const viewerToken = await login('viewer@example.test');

    assert.equal(
      (await edge.asOperator('POST', '/api/v1/rooms/mine/keys', undefined, ownerToken)).status,
      201,
    );
    assert.equal(
      (await edge.asOperator('POST', '/api/v1/rooms/theirs/keys', undefined, ownerToken)).status,
      403,
    );
    assert.equal(
      (await edge.asOperator('POST', '/api/v1/rooms', { id: 'x' }, ownerToken)).status,
      403,
    );
    const ownerRooms =
      (await (await edge.asOperator('GET', '/api/v1/rooms', undefined, ownerToken)).json()).rooms;
    assert.deepEqual(ownerRooms.map((r: { id: string }) => r.id), ['mine']);
    assert.equal(
      (await edge.asOperator('GET', '/api/v1/rooms', undefined, viewerToken)).status,
      403,
    );
    assert.equal(
      (await edge.asOperator('GET', '/api/v1/accounts', undefined, ownerToken)).status,
      403,
    );

    assert.equal(
      (await edge.asOperator('POST', '/api/v1/auth/logout', undefined, ownerToken)).status,
      200,
    );
    assert.equal((await edge.asOperator('GET', '/api/v1/me', undefined, ownerToken)).status, 401);
  } finally {
    await edge.close();
  }
});

test('wrong passwords are refused, then rate limited', async () => {
  const edge = await createTestEdge();
  try {
    await edge.asOperator('POST', '/api/v1/accounts', {
      email: 'op@example.test',
      role: 'operator',
      password: 'correct horse battery',
    });
    const attempt = () =>
      edge.app.request('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'op@example.test', password: 'wrong' }),
      });
    for (let i = 0; i < 10; i++) assert.equal((await attempt()).status, 401);
    const limited = await attempt();
    assert.equal(limited.status, 429);
    assert.match((await limited.json()).error.message, /too many failed logins/);
  } finally {
    await edge.close();
  }
});

test('bad input gets a 4xx that names the problem', async () => {
  const edge = await createTestEdge();
  try {
    const raw = (body: string, type = 'application/json') =>
      edge.app.request('/api/v1/rooms', {
        method: 'POST',
        headers: { authorization: `Bearer ${edge.adminToken}`, 'content-type': type },
        body,
      });
    const malformed = await raw('{"id": ');
    assert.equal(malformed.status, 400);
    assert.match((await malformed.json()).error.message, /JSON/i);

    const wrongType = await raw('id=x', 'application/x-www-form-urlencoded');
    assert.equal(wrongType.status, 415);
    assert.equal((await wrongType.json()).error.code, 'unsupported_media_type');

    const huge = await raw(JSON.stringify({ id: 'x', title: 'y'.repeat(100_000) }));
    assert.equal(huge.status, 413);

    const unknownField = await edge.asOperator('POST', '/api/v1/rooms', { id: 'x', colour: 'red' });
    assert.equal(unknownField.status, 400);
    assert.match((await unknownField.json()).error.message, /colour/);

    const badId = await edge.asOperator('POST', '/api/v1/rooms', { id: 'Main Hall!' });
    const badIdBody = await badId.json();
    assert.equal(badId.status, 400);
    assert.match(badIdBody.error.issues[0], /^'id': must be 1-63 characters/);

    const badLadder = await edge.asOperator('POST', '/api/v1/rooms', {
      id: 'y',
      ladder: [{ name: 'hd', codec: 'h264', height: 720, videoKbps: -5, audioKbps: 96 }],
    });
    assert.equal(badLadder.status, 400);
    assert.match((await badLadder.json()).error.message, /'ladder\[0\]\.videoKbps'/);

    const nowhere = await edge.app.request('/api/v1/nowhere');
    assert.equal(nowhere.status, 404);
    assert.equal((await nowhere.json()).error.code, 'not_found');
  } finally {
    await edge.close();
  }
});

test('the OpenAPI document describes the routes from the same validators', async () => {
  const edge = await createTestEdge();
  try {
    const res = await edge.app.request('/api/v1/openapi.json');
    assert.equal(res.status, 200);
    const doc = await res.json();
    assert.equal(doc.openapi, '3.1.0');
    for (
      const path of [
        '/api/v1/rooms',
        '/api/v1/rooms/{id}/keys/rotate',
        '/api/v1/node/hooks/publish',
        '/api/v1/node/heartbeat',
        '/api/v1/node/watchdog',
        '/api/v1/public/rooms',
      ]
    ) {
      assert.ok(doc.paths[path], `documents ${path}`);
    }
    const createRoomBody =
      doc.paths['/api/v1/rooms'].post.requestBody.content['application/json'].schema;
    assert.ok(createRoomBody.properties.id.pattern, 'the room id pattern comes from the validator');
    assert.ok(doc.components.securitySchemes.nodeSignature);
    const watchdog = doc.components.schemas.NodeInfo.properties.watchdog;
    assert.deepEqual(watchdog.type, ['object', 'null'], 'NodeInfo.watchdog is null when silent');
    assert.deepEqual(watchdog.properties.state.enum, ['ok', 'degraded', 'escalated']);
  } finally {
    await edge.close();
  }
});
