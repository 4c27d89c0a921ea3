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

test('a dropped publish shows "back soon" for a while, then offline', async () => {
  const edge = await createTestEdge();
  try {
    const { secret, sessionId } = await liveRoom(edge, 'main-hall');
    await edge.asNode('enc-1', secret, '/api/v1/node/hooks/publish-done', {
      v: 1,
      nodeId: 'enc-1',
      clientId: '3',
      sessionId,
      room: 'main-hall',
    });
    const state = async () =>
      (await (await edge.app.request('/api/v1/public/rooms/main-hall')).json()).state;
    assert.equal(await state(), 'backSoon');
    edge.advance(6 * 60_000);
    assert.equal(await state(), 'offline');
  } finally {
    await edge.close();
  }
});
