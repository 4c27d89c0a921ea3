import assert from 'node:assert/strict';
import { test } from 'node:test';
import { playbackSecretFor, verifyPlaybackToken } from '../../core/wire/playback_token.ts';
import { createTestEdge, type TestEdge } from '../testing.ts';

/** An encoder that is up and a live room on it. */
async function liveRoom(edge: TestEdge, roomId: string) {
  const node =
    await (await edge.asOperator('POST', '/api/v1/nodes', { id: 'enc-1', kind: 'encoder' })).json();
  const secret: string = node.secret;
  await edge.asNode('enc-1', secret, '/api/v1/node/register', {
    v: 1,
    nodeId: 'enc-1',
    kind: 'encoder',
    softwareVersion: '0.1.0',
    publicUrl: 'https://enc-1.example.test',
    rtmpUrl: 'rtmp://enc-1.example.test/live',
    capacity: 3,
  });
  const key =
    (await (await edge.asOperator('POST', '/api/v1/rooms', { id: roomId, title: 'Main Hall' }))
      .json()).streamKey.key;
  const allowed = await (await edge.asNode('enc-1', secret, '/api/v1/node/hooks/publish', {
    v: 1,
    nodeId: 'enc-1',
    clientId: '3',
    app: 'live',
    streamKey: key,
    addr: '192.0.2.1',
  })).json();
  assert.equal(allowed.decision, 'allow');
  return { secret, sessionId: allowed.sessionId as string };
}

/** The encoder reports the live room's publish ended (the uplink dropped). */
async function dropPublish(edge: TestEdge, live: { secret: string; sessionId: string }) {
  await edge.asNode('enc-1', live.secret, '/api/v1/node/hooks/publish-done', {
    v: 1,
    nodeId: 'enc-1',
    clientId: '3',
    sessionId: live.sessionId,
    room: 'main-hall',
  });
}

test('public room list shows live and offline rooms with where to play them', async () => {
  const edge = await createTestEdge();
  try {
    await liveRoom(edge, 'main-hall');
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'side-room' });
    const all = (await (await edge.app.request('/api/v1/public/rooms')).json()).rooms;
    assert.deepEqual(all.map((r: { id: string; state: string }) => [r.id, r.state]), [[
      'main-hall',
      'live',
    ], ['side-room', 'offline']]);
    assert.equal(all[0].playbackUrl, 'http://edge.test/api/v1/public/rooms/main-hall/playback');
    const live = (await (await edge.app.request('/api/v1/public/rooms?live=true')).json()).rooms;
    assert.deepEqual(live.map((r: { id: string }) => r.id), ['main-hall']);
    assert.equal((await edge.app.request('/api/v1/public/rooms?live=maybe')).status, 400);
  } finally {
    await edge.close();
  }
});

test('room detail lists the renditions the encoder reports, and the state follows the encoder', async () => {
  const edge = await createTestEdge();
  try {
    const { secret, sessionId } = await liveRoom(edge, 'main-hall');
    await edge.asNode('enc-1', secret, '/api/v1/node/heartbeat', {
      v: 1,
      nodeId: 'enc-1',
      kind: 'encoder',
      capacity: 3,
      cpuLoad: 0.4,
      errors: [],
      rooms: [{
        room: 'main-hall',
        sessionId,
        viewers: 42,
        errors: [],
        renditions: [{ name: 'source', speed: 1 }, { name: '480p', speed: 1 }],
      }],
    });
    const detail = await (await edge.app.request('/api/v1/public/rooms/main-hall')).json();
    assert.equal(detail.state, 'live');
    assert.equal(detail.viewers, 42);
    assert.deepEqual(detail.renditions, [{ name: 'source', codec: 'copy' }, {
      name: '480p',
      codec: 'h264',
    }]);

    // The encoder goes silent: viewers see "back soon", not a dead player.
    edge.advance(20_000);
    assert.equal(
      (await (await edge.app.request('/api/v1/public/rooms/main-hall')).json()).state,
      'backSoon',
    );
    assert.equal((await edge.app.request('/api/v1/public/rooms/nope')).status, 404);
  } finally {
    await edge.close();
  }
});

test('playback grant: a token for the room, valid for the node, renewable with the same session', async () => {
  const edge = await createTestEdge();
  try {
    const { secret } = await liveRoom(edge, 'main-hall');
    const res = await edge.app.request('/api/v1/public/rooms/main-hall/playback', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(res.status, 200);
    const grant = await res.json();
    assert.match(
      grant.url,
      /^https:\/\/enc-1\.example\.test\/hls\/main-hall\/master\.m3u8\?e=\d+&s=[\w-]+&t=[\w-]+$/,
    );
    const query = Object.fromEntries(new URL(grant.url).searchParams);
    const playbackSecret = await playbackSecretFor(secret);
    const nowSeconds = Math.floor(edge.deps.now() / 1000);
    assert.deepEqual(verifyPlaybackToken(playbackSecret, 'main-hall', query, nowSeconds), {
      ok: true,
    });
    assert.deepEqual(verifyPlaybackToken(playbackSecret, 'other-room', query, nowSeconds), {
      ok: false,
      reason: 'mismatch',
    });
    assert.deepEqual(verifyPlaybackToken(playbackSecret, 'main-hall', query, nowSeconds + 301), {
      ok: false,
      reason: 'expired',
    });
    assert.equal(Number(query.e) - nowSeconds, 300);

    const renewed = await (await edge.app.request('/api/v1/public/rooms/main-hall/playback', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session: grant.session }),
    })).json();
    assert.equal(renewed.session, grant.session);

    const rtmpPlay = (token: unknown) =>
      edge.asNode('enc-1', secret, '/api/v1/node/hooks/play', {
        v: 1,
        nodeId: 'enc-1',
        clientId: '12',
        room: 'main-hall',
        token,
        addr: '192.0.2.7',
      });
    assert.equal(
      (await (await rtmpPlay({ e: query.e, s: query.s, t: query.t })).json()).decision,
      'allow',
    );
    assert.equal(
      (await (await rtmpPlay({ e: query.e, s: query.s, t: `${query.t}x` })).json()).decision,
      'refuse',
    );
    assert.equal((await (await rtmpPlay(null)).json()).decision, 'refuse');
  } finally {
    await edge.close();
  }
});

test('no playback grant for a room that is not live', async () => {
  const edge = await createTestEdge();
  try {
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'quiet' });
    const res = await edge.app.request('/api/v1/public/rooms/quiet/playback', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(res.status, 409);
    assert.match((await res.json()).error.message, /not live/);
  } finally {
    await edge.close();
  }
});

test('a dropped publish is "back soon" and playable (the slate) for the reconnect window, then offline', async () => {
  const edge = await createTestEdge({ settings: { reconnectWindowSeconds: 90 } });
  try {
    await dropPublish(edge, await liveRoom(edge, 'main-hall'));
    const state = async () =>
      (await (await edge.app.request('/api/v1/public/rooms/main-hall')).json()).state;
    const grant = () =>
      edge.app.request('/api/v1/public/rooms/main-hall/playback', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
    assert.equal(await state(), 'backSoon');
    assert.equal((await grant()).status, 200, 'the encoder plays the slate meanwhile');
    edge.advance(89_000);
    assert.equal(await state(), 'backSoon');
    edge.advance(2_000);
    assert.equal(await state(), 'offline');
    assert.equal((await grant()).status, 409);
  } finally {
    await edge.close();
  }
});

/** A collector node reporting a preview picture for a room. */
async function collectorPreview(edge: TestEdge, roomId: string, jpegBase64: string) {
  const node = await (await edge.asOperator('POST', '/api/v1/nodes', {
    id: 'col-1',
    kind: 'collector',
  })).json();
  await edge.asNode('col-1', node.secret, '/api/v1/node/register', {
    v: 1,
    nodeId: 'col-1',
    kind: 'collector',
    softwareVersion: '0.1.0',
    publicUrl: null,
    rtmpUrl: null,
    capacity: 1,
  });
  const beat = await edge.asNode('col-1', node.secret, '/api/v1/node/heartbeat', {
    v: 1,
    nodeId: 'col-1',
    kind: 'collector',
    room: roomId,
    state: 'live',
    input: { present: true, format: '1280x720p30' },
    levels: [],
    uplink: { state: 'live', bitrateKbps: 2500, reconnects: 0, lastFailureAt: null },
    recording: { active: true, diskFreeMb: 50_000, lowDisk: false },
    previewJpegBase64: jpegBase64,
  });
  assert.equal(beat.status, 200);
}

test('a live room has a thumbnail from its collector; once it drops, none is shown', async () => {
  const edge = await createTestEdge();
  try {
    const publish = await liveRoom(edge, 'main-hall');
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
    await collectorPreview(edge, 'main-hall', btoa(String.fromCharCode(...jpeg)));
    const listed = async () =>
      (await (await edge.app.request('/api/v1/public/rooms')).json()).rooms[0];
    const live = await listed();
    assert.equal(live.state, 'live');
    assert.match(
      live.thumbnailUrl,
      /^http:\/\/edge\.test\/api\/v1\/public\/rooms\/main-hall\/thumbnail\.jpg\?at=\d+$/,
    );
    const picture = await edge.app.request(new URL(live.thumbnailUrl).pathname);
    assert.equal(picture.status, 200);
    assert.equal(picture.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual(new Uint8Array(await picture.arrayBuffer()), jpeg);
    assert.equal(
      (await edge.app.request('/api/v1/public/rooms/nope/thumbnail.jpg')).status,
      404,
    );

    // Off air the camera may show the crew setting up: not for the public.
    await dropPublish(edge, publish);
    const dropped = await listed();
    assert.equal(dropped.state, 'backSoon');
    assert.equal(dropped.thumbnailUrl, null);
    const hidden = await edge.app.request('/api/v1/public/rooms/main-hall/thumbnail.jpg');
    assert.equal(hidden.status, 404);
    assert.match((await hidden.json()).error.message, /no preview/);
  } finally {
    await edge.close();
  }
});

test('player heartbeats keep a session counted and answer the room state; bad ones are named', async () => {
  const edge = await createTestEdge();
  try {
    await liveRoom(edge, 'main-hall');
    const beat = (body: unknown, room = 'main-hall') =>
      edge.app.request(`/api/v1/public/rooms/${room}/heartbeat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const ok = await beat({ session: 'viewer-0001', playing: true });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { state: 'live', viewers: 0 });
    const stored = await edge.deps.store.get('room:main-hall:viewer:viewer-0001');
    assert.equal(JSON.parse(stored!).playing, true);
    // One heartbeat may be lost; two are the end of the session.
    edge.advance(40_000);
    assert.notEqual(await edge.deps.store.get('room:main-hall:viewer:viewer-0001'), null);
    edge.advance(40_000);
    assert.equal(await edge.deps.store.get('room:main-hall:viewer:viewer-0001'), null);

    const noSession = await beat({ playing: true });
    assert.equal(noSession.status, 400);
    assert.match((await noSession.json()).error.message, /session/);
    const badSession = await beat({ session: 'a b', playing: true });
    assert.equal(badSession.status, 400);
    const extra = await beat({ session: 'viewer-0001', playing: true, admin: true });
    assert.equal(extra.status, 400);
    assert.equal((await beat({ session: 'viewer-0001', playing: 'yes' })).status, 400);
    assert.equal((await beat({ session: 'viewer-0001', playing: false }, 'nope')).status, 404);
  } finally {
    await edge.close();
  }
});
