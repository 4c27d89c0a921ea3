// The encoder agent's /metrics: what a scrape of its loopback port says of a snapshot,
// checked value by value and by promtool as Prometheus parses it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryLogger } from '../../core/log.ts';
import { promtoolCheckMetrics, sampleValue } from '../../core/testing/prometheus.ts';
import { startHookServer } from './hook_server.ts';
import { createEncoderMetrics, type EncoderSnapshot } from './metrics.ts';

const NOW = Date.parse('2026-06-01T10:00:00Z');

function snapshot(overrides: Partial<EncoderSnapshot> = {}): EncoderSnapshot {
  return {
    softwareVersion: '0.1.0',
    capacity: 3,
    rooms: [
      {
        room: 'main-hall',
        state: 'live',
        renditions: [{ name: '720p', speed: 1.02 }, { name: 'audio', speed: 1.02 }],
        restarts: 3,
        newestSegments: [{ rendition: '720p', at: NOW - 1500 }, {
          rendition: 'audio',
          at: NOW - 500,
        }],
        viewers: 12,
      },
      {
        room: 'side',
        state: 'idle',
        renditions: [],
        restarts: 0,
        // Idle: the slate or an ended playlist; its age is no alarm.
        newestSegments: [{ rendition: '720p', at: NOW - 600_000 }],
        viewers: 0,
      },
    ],
    ingest: [{ room: 'main-hall', bitsPerSecond: 2_650_000 }],
    cpuLoad: 0.42,
    pendingRelays: 1,
    now: NOW,
    ...overrides,
  };
}

test('rooms, speed, restarts, segment age, ingest, viewers and load, as promtool reads them', async () => {
  const text = await createEncoderMetrics(() => Promise.resolve(snapshot())).expose();
  const verdict = await promtoolCheckMetrics(text);
  assert.ok(verdict.ok, verdict.output);
  const value = (series: string) => sampleValue(text, series);
  assert.equal(value('roomcast_encoder_build_info{version="0.1.0"}'), 1);
  assert.equal(value('roomcast_encoder_capacity_rooms'), 3);
  assert.equal(value('roomcast_encoder_rooms{state="live"}'), 1);
  assert.equal(value('roomcast_encoder_rooms{state="idle"}'), 1);
  assert.equal(value('roomcast_encoder_rooms{state="ended"}'), 0);
  assert.equal(value('roomcast_encoder_ffmpeg_speed{room="main-hall",rendition="720p"}'), 1.02);
  assert.equal(value('roomcast_encoder_ffmpeg_restarts_total{room="main-hall"}'), 3);
  assert.equal(value('roomcast_encoder_ffmpeg_restarts_total{room="side"}'), 0);
  assert.equal(
    value('roomcast_encoder_segment_age_seconds{room="main-hall",rendition="720p"}'),
    1.5,
  );
  assert.equal(
    value('roomcast_encoder_segment_age_seconds{room="main-hall",rendition="audio"}'),
    0.5,
  );
  assert.equal(value('roomcast_encoder_segment_age_seconds{room="side",rendition="720p"}'), null);
  assert.equal(value('roomcast_encoder_ingest_bytes_per_second{room="main-hall"}'), 331_250);
  assert.equal(value('roomcast_encoder_nginx_stat_up'), 1);
  assert.equal(value('roomcast_encoder_viewers{room="main-hall"}'), 12);
  assert.equal(value('roomcast_encoder_cpu_load_ratio'), 0.42);
  assert.equal(value('roomcast_encoder_pending_hook_relays'), 1);
});

test("nginx's stat unreadable: no ingest bitrate, and the scrape says so", async () => {
  const text = await createEncoderMetrics(() => Promise.resolve(snapshot({ ingest: null })))
    .expose();
  assert.equal(sampleValue(text, 'roomcast_encoder_nginx_stat_up'), 0);
  assert.doesNotMatch(text, /^roomcast_encoder_ingest_bytes_per_second\{/m);
  const verdict = await promtoolCheckMetrics(text);
  assert.ok(verdict.ok, verdict.output);
});

test("GET /metrics on the agent's loopback port: Prometheus text, without the hook token", async () => {
  let reads = 0;
  const metrics = createEncoderMetrics(() => {
    reads++;
    return Promise.resolve(snapshot());
  });
  const server = await startHookServer({
    port: 0,
    token: 'hook-token-not-needed-here',
    log: createMemoryLogger('encoder'),
    handle: () => Promise.resolve({ status: 200 }),
    status: () => ({}),
    metrics: () => metrics.expose(),
  });
  try {
    const origin = new URL(server.baseUrl).origin;
    const response = await fetch(`${origin}/metrics`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    assert.equal(sampleValue(text, 'roomcast_encoder_viewers{room="main-hall"}'), 12);
    assert.equal(reads, 1, 'one snapshot per scrape');
    assert.equal((await fetch(`${origin}/metrics`, { method: 'POST' })).status, 404);
  } finally {
    await server.close();
  }
});
