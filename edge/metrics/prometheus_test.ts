// A real Prometheus scraping an edge on loopback: with the metrics token its target is up
// and the room that went live shows in roomcast_edge_rooms; without it the target is down
// (401). Queried through Prometheus' own HTTP API, as Grafana would.
import assert from 'node:assert/strict';
import { type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { serve } from '@hono/node-server';
import { startPrometheus } from '../../core/testing/prometheus.ts';
import { createTestEdge } from '../testing.ts';

const TOKEN = 'prometheus-scrape-token-0123456789';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('prometheus scrapes the edge with its bearer token and sees the live room', async () => {
  const edge = await createTestEdge({ settings: { metrics: { token: TOKEN } } });
  const server = serve({ fetch: edge.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  let prometheus: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  try {
    // A room goes live: an encoder registers and its publish hook is allowed.
    const room = await edge.asOperator('POST', '/api/v1/rooms', { id: 'main-hall' });
    const key: string = (await room.json()).streamKey.key;
    const node = await edge.asOperator('POST', '/api/v1/nodes', { id: 'enc-1', kind: 'encoder' });
    const secret: string = (await node.json()).secret;
    assert.equal(
      (await edge.asNode('enc-1', secret, '/api/v1/node/register', {
        v: 1,
        nodeId: 'enc-1',
        kind: 'encoder',
        softwareVersion: '0.1.0',
        publicUrl: 'http://enc-1.test:8088',
        rtmpUrl: 'rtmp://enc-1.test:1935/live',
        capacity: 3,
      })).status,
      200,
    );
    const allowed = await (await edge.asNode('enc-1', secret, '/api/v1/node/hooks/publish', {
      v: 1,
      nodeId: 'enc-1',
      clientId: '7',
      app: 'live',
      streamKey: key,
      addr: '203.0.113.9',
    })).json();
    assert.equal(allowed.decision, 'allow');

    prometheus = await startPrometheus([
      { job: 'edge', address, bearerToken: TOKEN },
      { job: 'edge-without-token', address },
    ]);
    const value = async (promql: string) => (await prometheus!.query(promql))[0]?.value[1];
    const want = {
      'up{job="edge"}': '1',
      'up{job="edge-without-token"}': '0',
      'roomcast_edge_rooms{job="edge",state="live"}': '1',
      'roomcast_edge_hook_duration_seconds_count{job="edge",hook="publish"}': '1',
      'roomcast_edge_nodes{job="edge",kind="encoder",state="up"}': '1',
    };
    let seen: Record<string, string | undefined> = {};
    for (const deadline = Date.now() + 12_000; Date.now() < deadline; await sleep(250)) {
      seen = Object.fromEntries(
        await Promise.all(Object.keys(want).map(async (q) => [q, await value(q)] as const)),
      );
      if (Object.entries(want).every(([q, v]) => seen[q] === v)) break;
    }
    assert.deepEqual(seen, want);
  } finally {
    await prometheus?.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await edge.close();
  }
});
