// GET /metrics on a whole test edge: who may scrape, and that the numbers follow what the
// boxes and people do (a publish makes a room live and is timed, a refused key counts, a
// heartbeat's viewers show, chat posts count), checked by promtool as Prometheus parses it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { promtoolCheckMetrics, sampleValue } from '../../core/testing/prometheus.ts';
import { createTestEdge, TEST_SETTINGS, type TestEdge } from '../testing.ts';

const SCRAPE_TOKEN = 'scrape-token-0123456789';

function scrape(edge: TestEdge, authorization?: string): Promise<Response> {
  return Promise.resolve(
    edge.app.request('/metrics', { headers: authorization ? { authorization } : {} }),
  );
}

async function metricsText(edge: TestEdge): Promise<string> {
  const response = await scrape(edge, `Bearer ${SCRAPE_TOKEN}`);
  assert.equal(response.status, 200, await response.clone().text());
  return await response.text();
}

async function encoderOnline(edge: TestEdge) {
  const added = await edge.asOperator('POST', '/api/v1/nodes', { id: 'enc-1', kind: 'encoder' });
  assert.equal(added.status, 201);
  const secret: string = (await added.json()).secret;
  const registered = await edge.asNode('enc-1', secret, '/api/v1/node/register', {
    v: 1,
    nodeId: 'enc-1',
    kind: 'encoder',
    softwareVersion: '0.1.0',
    publicUrl: 'http://enc-1.test:8088',
    rtmpUrl: 'rtmp://enc-1.test:1935/live',
    capacity: 3,
  });
  assert.equal(registered.status, 200);
  return secret;
}

const publish = (streamKey: string, clientId: string) => ({
  v: 1,
  nodeId: 'enc-1',
  clientId,
  app: 'live',
  streamKey,
  addr: '203.0.113.9',
});

test('a scrape needs the metrics token or an operator token; otherwise 401 in the error shape', async () => {
  const edge = await createTestEdge({
    settings: { metrics: { token: SCRAPE_TOKEN } },
  });
  try {
    for (const authorization of [undefined, 'Bearer wrong-token', `Basic ${SCRAPE_TOKEN}`]) {
      const response = await scrape(edge, authorization);
      assert.equal(response.status, 401, String(authorization));
      const body = await response.json();
      assert.equal(body.error.code, 'unauthorized');
      assert.match(body.error.message, /edge\.metrics\.token/);
      assert.ok(!JSON.stringify(body).includes(SCRAPE_TOKEN), 'the answer never holds the token');
    }
    const viewer = await edge.asOperator('POST', '/api/v1/accounts', {
      email: 'viewer@example.test',
      role: 'viewer',
      password: 'correct horse battery',
    });
    assert.equal(viewer.status, 201);
    const login = await edge.app.request('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'viewer@example.test', password: 'correct horse battery' }),
    });
    const viewerToken = (await login.json()).token;
    assert.equal((await scrape(edge, `Bearer ${viewerToken}`)).status, 401, "a viewer's token");

    for (const token of [SCRAPE_TOKEN, edge.adminToken]) {
      const response = await scrape(edge, `Bearer ${token}`);
      assert.equal(response.status, 200);
      assert.equal(
        response.headers.get('content-type'),
        'text/plain; version=0.0.4; charset=utf-8',
      );
      assert.match(await response.text(), /^# TYPE roomcast_edge_rooms gauge$/m);
    }
    assert.ok(!edge.logLines.join('\n').includes(SCRAPE_TOKEN), 'no log line holds the token');
  } finally {
    await edge.close();
  }
});

test('without edge.metrics.token only an operator or admin token scrapes', async () => {
  const edge = await createTestEdge();
  try {
    assert.equal(TEST_SETTINGS.metrics.token, '');
    assert.equal((await scrape(edge, 'Bearer ')).status, 401);
    assert.equal((await scrape(edge, 'Bearer rct_not_a_real_token_000000000')).status, 401);
    assert.equal((await scrape(edge, `Bearer ${edge.adminToken}`)).status, 200);
  } finally {
    await edge.close();
  }
});

test('rooms, viewers, nodes, hooks, chat and HTTP answers follow what happens', async () => {
  const edge = await createTestEdge({ settings: { metrics: { token: SCRAPE_TOKEN } } });
  try {
    const before = await metricsText(edge);
    const verdict = await promtoolCheckMetrics(before);
    assert.ok(verdict.ok, verdict.output);
    assert.equal(sampleValue(before, 'roomcast_edge_rooms{state="live"}'), 0);
    assert.equal(
      sampleValue(before, 'roomcast_edge_hook_duration_seconds_count{hook="publish"}'),
      0,
    );
    assert.equal(sampleValue(before, 'roomcast_edge_build_info{version="0.0.0-test"}'), 1);

    const room = await edge.asOperator('POST', '/api/v1/rooms', { id: 'main-hall' });
    const key: string = (await room.json()).streamKey.key;
    await edge.asOperator('POST', '/api/v1/rooms', { id: 'side' });
    const secret = await encoderOnline(edge);
    const allowed = await (await edge.asNode(
      'enc-1',
      secret,
      '/api/v1/node/hooks/publish',
      publish(key, '7'),
    )).json();
    assert.equal(allowed.decision, 'allow');
    const refused = await (await edge.asNode(
      'enc-1',
      secret,
      '/api/v1/node/hooks/publish',
      publish('rk_wrong_key_guess', '8'),
    )).json();
    assert.equal(refused.decision, 'refuse');
    // Signed by a secret the edge never issued: refused before any handler runs.
    const forged = await edge.asNode('enc-1', 'not-the-secret', '/api/v1/node/heartbeat', {});
    assert.equal(forged.status, 401);
    const heartbeat = await edge.asNode('enc-1', secret, '/api/v1/node/heartbeat', {
      v: 1,
      nodeId: 'enc-1',
      kind: 'encoder',
      capacity: 3,
      cpuLoad: 0.4,
      rooms: [{
        room: 'main-hall',
        sessionId: allowed.sessionId,
        renditions: [{ name: '720p', speed: 1.01 }],
        viewers: 7,
        errors: [],
      }],
      errors: [],
    });
    assert.equal(heartbeat.status, 200, await heartbeat.clone().text());

    const guest = { id: 'g:metrics-guest', name: 'Guest 1', role: 'guest' as const };
    assert.equal((await edge.chat.post('room:main-hall', guest, '198.51.100.7', 'hi')).ok, true);
    assert.equal((await edge.chat.post('room:main-hall', null, '198.51.100.8', 'hi')).ok, false);

    const after = await metricsText(edge);
    const checked = await promtoolCheckMetrics(after);
    assert.ok(checked.ok, checked.output);
    const value = (series: string) => sampleValue(after, series);
    assert.equal(value('roomcast_edge_rooms{state="live"}'), 1);
    assert.equal(value('roomcast_edge_rooms{state="offline"}'), 1);
    assert.equal(value('roomcast_edge_viewers{room="main-hall"}'), 7);
    assert.equal(value('roomcast_edge_viewers{room="side"}'), 0);
    assert.equal(value('roomcast_edge_nodes{kind="encoder",state="up"}'), 1);
    assert.equal(value('roomcast_edge_nodes{kind="collector",state="up"}'), 0);
    assert.equal(value('roomcast_edge_hook_duration_seconds_count{hook="publish"}'), 2);
    assert.equal(
      value('roomcast_edge_hook_duration_seconds_bucket{hook="publish",le="+Inf"}'),
      2,
    );
    assert.ok(value('roomcast_edge_hook_duration_seconds_sum{hook="publish"}')! > 0);
    assert.equal(value('roomcast_edge_hook_duration_seconds_count{hook="heartbeat"}'), 2);
    assert.equal(value('roomcast_edge_hook_refusals_total{hook="publish"}'), 1);
    assert.equal(value('roomcast_edge_hook_refusals_total{hook="heartbeat"}'), 1, 'forged');
    assert.equal(value('roomcast_edge_chat_messages_total{channel="room"}'), 1);
    assert.equal(value('roomcast_edge_chat_messages_total{channel="crew"}'), 0);
    assert.equal(
      value('roomcast_edge_chat_refusals_total{channel="room",reason="not_allowed"}'),
      1,
    );
    assert.ok(value('roomcast_edge_http_requests_total{status_class="2xx"}')! >= 7);
    assert.ok(value('roomcast_edge_http_requests_total{status_class="4xx"}')! >= 1);

    // The room's publisher leaves: it is waited for (back soon), no longer live.
    const done = await edge.asNode('enc-1', secret, '/api/v1/node/hooks/publish-done', {
      v: 1,
      nodeId: 'enc-1',
      clientId: '7',
      sessionId: allowed.sessionId,
      room: 'main-hall',
    });
    assert.equal(done.status, 200, await done.clone().text());
    const later = await metricsText(edge);
    assert.equal(sampleValue(later, 'roomcast_edge_rooms{state="live"}'), 0);
    assert.equal(sampleValue(later, 'roomcast_edge_rooms{state="backSoon"}'), 1);
    assert.equal(
      sampleValue(later, 'roomcast_edge_hook_duration_seconds_count{hook="publish_done"}'),
      1,
    );
  } finally {
    await edge.close();
  }
});

test('each edge counts its own: two test edges do not share a registry', async () => {
  const one = await createTestEdge({ settings: { metrics: { token: SCRAPE_TOKEN } } });
  const two = await createTestEdge({ settings: { metrics: { token: SCRAPE_TOKEN } } });
  try {
    await one.asOperator('GET', '/api/v1/rooms');
    await one.asOperator('GET', '/api/v1/rooms');
    const ones = sampleValue(
      await metricsText(one),
      'roomcast_edge_http_requests_total{status_class="2xx"}',
    );
    const twos = sampleValue(
      await metricsText(two),
      'roomcast_edge_http_requests_total{status_class="2xx"}',
    );
    assert.equal(ones, 2);
    assert.equal(twos, 0);
  } finally {
    await one.close();
    await two.close();
  }
});
