// The collector's /metrics on its status server: the status snapshot in Prometheus terms,
// served for real on loopback and checked by promtool as Prometheus parses it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryLogger } from '../../core/log.ts';
import { promtoolCheckMetrics, sampleValue } from '../../core/testing/prometheus.ts';
import type { CollectorStatus } from './status.ts';
import { createStatusApp, startStatusServer } from './status_server.ts';

function status(): CollectorStatus {
  return {
    nodeId: 'col-hall-1',
    room: 'main-hall',
    state: 'reconnecting',
    onAir: false,
    worker: { state: 'running', pid: 4242, restarts: 2, lastError: null, lastMessageAt: null },
    input: { present: true, format: '1280x720 29.97p' },
    audio: {
      levels: [{ rmsDb: -23.5, peakDb: -9 }, { rmsDb: -200, peakDb: -200 }],
      warnings: { silence: false, clipping: true, silentSeconds: 0 },
    },
    uplink: {
      state: 'backoff',
      bitrateKbps: 3200,
      reconnects: 4,
      lastFailureAt: '2026-06-01T09:58:00.000Z',
      lastFailure: 'the encoder closed the connection',
      encoderNodeId: 'enc-1',
      target: 'enc-1.example.net:1935',
    },
    recording: {
      active: true,
      dir: '/var/lib/roomcast/recordings',
      currentFile: 'main-hall/2026-06-01T09-00-00.ts',
      startedAt: '2026-06-01T09:00:00.000Z',
      seconds: 3600,
      diskFreeMb: 2048,
      lowDisk: false,
      rotatedFiles: 0,
    },
    preview: { updatedAt: null },
    at: '2026-06-01T10:00:00.000Z',
  };
}

test('GET /metrics: uplink, audio, input, recording, disk and worker, as promtool reads them', async () => {
  let current = status();
  const app = createStatusApp({
    status: () => current,
    preview: () => null,
    script: () => Promise.resolve(''),
    subscribe: () => () => {},
    log: createMemoryLogger('collector-status'),
  });
  const server = await startStatusServer({ host: '127.0.0.1', port: 0, app });
  try {
    const response = await fetch(`${server.url}/metrics`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    const verdict = await promtoolCheckMetrics(text);
    assert.ok(verdict.ok, verdict.output);
    const value = (series: string) => sampleValue(text, series);
    assert.equal(value('roomcast_collector_state{room="main-hall",state="reconnecting"}'), 1);
    assert.equal(value('roomcast_collector_state{room="main-hall",state="live"}'), 0);
    assert.equal(value('roomcast_collector_on_air{room="main-hall"}'), 0);
    assert.equal(value('roomcast_collector_input_present{room="main-hall"}'), 1);
    assert.equal(value('roomcast_collector_uplink_state{room="main-hall",state="backoff"}'), 1);
    assert.equal(value('roomcast_collector_uplink_state{room="main-hall",state="live"}'), 0);
    assert.equal(value('roomcast_collector_uplink_bytes_per_second{room="main-hall"}'), 400_000);
    assert.equal(value('roomcast_collector_uplink_reconnects_total{room="main-hall"}'), 4);
    assert.equal(value('roomcast_collector_audio_rms_dbfs{room="main-hall",channel="0"}'), -23.5);
    assert.equal(value('roomcast_collector_audio_peak_dbfs{room="main-hall",channel="1"}'), -200);
    assert.equal(value('roomcast_collector_audio_silence{room="main-hall"}'), 0);
    assert.equal(value('roomcast_collector_audio_clipping{room="main-hall"}'), 1);
    assert.equal(value('roomcast_collector_recording_active{room="main-hall"}'), 1);
    assert.equal(value('roomcast_collector_disk_free_bytes{room="main-hall"}'), 2048 * 1024 * 1024);
    assert.equal(value('roomcast_collector_disk_low{room="main-hall"}'), 0);
    assert.equal(value('roomcast_collector_worker_state{room="main-hall",state="running"}'), 1);
    assert.equal(value('roomcast_collector_worker_restarts_total{room="main-hall"}'), 2);

    // Each scrape reads the status anew: the uplink is back, one channel went away.
    current = {
      ...status(),
      state: 'live',
      uplink: { ...status().uplink, state: 'live', reconnects: 5 },
      audio: { ...status().audio, levels: [{ rmsDb: -20, peakDb: -6 }] },
    };
    const later = await (await fetch(`${server.url}/metrics`)).text();
    assert.equal(
      sampleValue(later, 'roomcast_collector_uplink_state{room="main-hall",state="live"}'),
      1,
    );
    assert.equal(
      sampleValue(later, 'roomcast_collector_uplink_state{room="main-hall",state="backoff"}'),
      0,
    );
    assert.equal(
      sampleValue(later, 'roomcast_collector_uplink_reconnects_total{room="main-hall"}'),
      5,
    );
    assert.equal(
      sampleValue(later, 'roomcast_collector_audio_rms_dbfs{room="main-hall",channel="1"}'),
      null,
    );
    assert.equal((await fetch(`${server.url}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    await server.close();
  }
});
