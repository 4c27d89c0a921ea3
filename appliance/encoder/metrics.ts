// The encoder agent's Prometheus metrics, read at each scrape from what the agent holds:
// its room pipelines (state, ffmpeg speed, restarts, when each rendition last got a
// segment), the viewers counted from nginx's access log, the publishers' ingest bitrate
// from nginx's stat, CPU load and the hook relays still waiting for the edge.
import { createMetricsRegistry } from '../../core/metrics/registry.ts';
import type { PipelineState } from './room_pipeline.ts';

export interface EncoderRoomReading {
  room: string;
  state: PipelineState;
  /** The running ladder's renditions; speed null until ffmpeg reported one. */
  renditions: { name: string; speed: number | null }[];
  restarts: number;
  newestSegments: { rendition: string; at: number }[];
  viewers: number;
}

/** One scrape's view of the agent. */
export interface EncoderSnapshot {
  softwareVersion: string;
  capacity: number;
  rooms: EncoderRoomReading[];
  /** Each publishing room's incoming bits per second; null when nginx's stat could not be read. */
  ingest: { room: string; bitsPerSecond: number }[] | null;
  /** 0..1 over all cores since the last scrape. */
  cpuLoad: number;
  pendingRelays: number;
  /** Wall clock, ms. */
  now: number;
}

const PIPELINE_STATES: readonly PipelineState[] = ['live', 'idle', 'ended'];

export function createEncoderMetrics(snapshot: () => Promise<EncoderSnapshot>) {
  const registry = createMetricsRegistry<EncoderSnapshot>();
  const live = (s: EncoderSnapshot) => s.rooms.filter((room) => room.state === 'live');

  registry.gauge({
    name: 'roomcast_encoder_build_info',
    help: 'Always 1; the software version is the label.',
    labelNames: ['version'],
    collect: (gauge, s) => gauge.set({ version: s.softwareVersion }, 1),
  });
  registry.gauge({
    name: 'roomcast_encoder_capacity_rooms',
    help: 'Rooms this node takes at most (encoder.capacity).',
    collect: (gauge, s) => gauge.set({}, s.capacity),
  });
  registry.gauge({
    name: 'roomcast_encoder_rooms',
    help: 'Room pipelines by state: live (publisher in), idle (slate, waiting), ended.',
    labelNames: ['state'],
    series: PIPELINE_STATES.map((state) => ({ state })),
    collect(gauge, s) {
      for (const room of s.rooms) gauge.inc({ state: room.state });
    },
  });
  registry.gauge({
    name: 'roomcast_encoder_ffmpeg_speed',
    help: "The ladder ffmpeg's speed (1 keeps up with live; below falls behind).",
    labelNames: ['room', 'rendition'],
    collect(gauge, s) {
      for (const room of live(s)) {
        for (const { name, speed } of room.renditions) {
          if (speed !== null) gauge.set({ room: room.room, rendition: name }, speed);
        }
      }
    },
  });
  registry.counter({
    name: 'roomcast_encoder_ffmpeg_restarts_total',
    help: 'Ladder ffmpeg runs that died or stalled and were started again.',
    labelNames: ['room'],
    collect(counter, s) {
      for (const room of s.rooms) counter.set({ room: room.room }, room.restarts);
    },
  });
  registry.gauge({
    name: 'roomcast_encoder_segment_age_seconds',
    help: "Seconds since a live room's rendition got its newest public segment.",
    labelNames: ['room', 'rendition'],
    collect(gauge, s) {
      for (const room of live(s)) {
        for (const { rendition, at } of room.newestSegments) {
          gauge.set({ room: room.room, rendition }, Math.max(0, (s.now - at) / 1000));
        }
      }
    },
  });
  registry.gauge({
    // Bytes, Prometheus' base unit (promtool insists); dashboards show it ×8 as bits/s.
    name: 'roomcast_encoder_ingest_bytes_per_second',
    help: "The publisher's incoming bitrate, as nginx-rtmp measures it, in bytes per second.",
    labelNames: ['room'],
    collect(gauge, s) {
      for (const { room, bitsPerSecond } of s.ingest ?? []) gauge.set({ room }, bitsPerSecond / 8);
    },
  });
  registry.gauge({
    name: 'roomcast_encoder_nginx_stat_up',
    help: "1 when nginx-rtmp's statistics could be read at this scrape.",
    collect: (gauge, s) => gauge.set({}, s.ingest ? 1 : 0),
  });
  registry.gauge({
    name: 'roomcast_encoder_viewers',
    help: 'HLS viewers of each room (players that fetched in the last 30 s).',
    labelNames: ['room'],
    collect(gauge, s) {
      for (const room of s.rooms) gauge.set({ room: room.room }, room.viewers);
    },
  });
  registry.gauge({
    name: 'roomcast_encoder_cpu_load_ratio',
    help: 'CPU busy share of the whole machine since the last scrape (0-1).',
    collect: (gauge, s) => gauge.set({}, s.cpuLoad),
  });
  registry.gauge({
    name: 'roomcast_encoder_pending_hook_relays',
    help: 'Hook relays (update, publish-done) still waiting for the edge.',
    collect: (gauge, s) => gauge.set({}, s.pendingRelays),
  });

  return { registry, expose: async () => registry.expose(await snapshot()) };
}
