// The collector's Prometheus metrics, read from its status snapshot at each scrape: the
// same numbers the crew's status page shows, in base units (bytes, bytes per second), with
// states as one 0/1 gauge per state so an alert can say `state="backoff" == 1`.
import { createMetricsRegistry } from '../../core/metrics/registry.ts';
import type { CollectorState, CollectorStatus, UplinkState } from './status.ts';

const COLLECTOR_STATES: readonly CollectorState[] = [
  'starting',
  'live',
  'reconnecting',
  'offline',
  'error',
];
const UPLINK_STATES: readonly UplinkState[] = ['connecting', 'live', 'backoff', 'refused', 'idle'];
const WORKER_STATES: readonly CollectorStatus['worker']['state'][] = [
  'starting',
  'running',
  'restarting',
  'stopped',
];
const MIB = 1024 * 1024;

const flag = (on: boolean) => (on ? 1 : 0);

/** The registry of a collector; `status` is read once per scrape. */
export function createCollectorMetrics(status: () => CollectorStatus) {
  const registry = createMetricsRegistry<CollectorStatus>();
  /** A gauge of one number of the snapshot, labelled with the box's room. */
  const reading = (name: string, help: string, read: (s: CollectorStatus) => number) =>
    registry.gauge({
      name,
      help,
      labelNames: ['room'],
      collect: (gauge, s) => gauge.set({ room: s.room }, read(s)),
    });
  /** One 0/1 gauge per state: 1 for the state the snapshot is in. */
  const states = <S extends string>(
    name: string,
    help: string,
    all: readonly S[],
    read: (s: CollectorStatus) => S,
  ) =>
    registry.gauge({
      name,
      help,
      labelNames: ['room', 'state'],
      collect(gauge, s) {
        for (const state of all) gauge.set({ room: s.room, state }, flag(read(s) === state));
      },
    });

  states(
    'roomcast_collector_state',
    'The collector as a whole: 1 for its state.',
    COLLECTOR_STATES,
    (s) => s.state,
  );
  reading(
    'roomcast_collector_on_air',
    '1 while the encoder takes the stream.',
    (s) => flag(s.onAir),
  );
  reading(
    'roomcast_collector_input_present',
    '1 while the capture input has a signal.',
    (s) => flag(s.input.present),
  );

  states(
    'roomcast_collector_uplink_state',
    'The push to the encoder: 1 for its state.',
    UPLINK_STATES,
    (s) => s.uplink.state,
  );
  // Bytes, Prometheus' base unit (promtool insists); dashboards show it ×8 as bits/s.
  reading(
    'roomcast_collector_uplink_bytes_per_second',
    'Bitrate pushed to the encoder, in bytes per second.',
    (s) => (s.uplink.bitrateKbps * 1000) / 8,
  );
  registry.counter({
    name: 'roomcast_collector_uplink_reconnects_total',
    help: 'Times the uplink connected again after it was lost, since the daemon started.',
    labelNames: ['room'],
    collect: (counter, s) => counter.set({ room: s.room }, s.uplink.reconnects),
  });

  registry.gauge({
    name: 'roomcast_collector_audio_rms_dbfs',
    help: 'Loudness of each audio channel, dBFS (-200: digital silence).',
    labelNames: ['room', 'channel'],
    collect(gauge, s) {
      s.audio.levels.forEach((level, i) =>
        gauge.set({ room: s.room, channel: String(i) }, level.rmsDb)
      );
    },
  });
  registry.gauge({
    name: 'roomcast_collector_audio_peak_dbfs',
    help: 'Highest sample of each audio channel, dBFS (-200: digital silence).',
    labelNames: ['room', 'channel'],
    collect(gauge, s) {
      s.audio.levels.forEach((level, i) =>
        gauge.set({ room: s.room, channel: String(i) }, level.peakDb)
      );
    },
  });
  reading(
    'roomcast_collector_audio_silence',
    '1 while every channel is silent (a muted feed).',
    (s) => flag(s.audio.warnings.silence),
  );
  reading(
    'roomcast_collector_audio_clipping',
    '1 while a channel clipped in the last seconds.',
    (s) => flag(s.audio.warnings.clipping),
  );

  reading(
    'roomcast_collector_recording_active',
    '1 while the local recording runs.',
    (s) => flag(s.recording.active),
  );
  reading(
    'roomcast_collector_disk_free_bytes',
    'Free space where recordings go.',
    (s) => s.recording.diskFreeMb * MIB,
  );
  reading(
    'roomcast_collector_disk_low',
    '1 while free space is below the recording limit.',
    (s) => flag(s.recording.lowDisk),
  );

  states(
    'roomcast_collector_worker_state',
    'The pipeline worker: 1 for its state.',
    WORKER_STATES,
    (s) => s.worker.state,
  );
  registry.counter({
    name: 'roomcast_collector_worker_restarts_total',
    help: 'Times the pipeline worker died and was started again, since the daemon started.',
    labelNames: ['room'],
    collect: (counter, s) => counter.set({ room: s.room }, s.worker.restarts),
  });

  return { registry, expose: () => registry.expose(status()) };
}
