// A `roomcast collector` for end-to-end tests: its environment against a test stack (a
// 640x360 test source, local recording that never rotates, 1 s heartbeats), and the light
// ladder its room gets so the 2-core CI box keeps its CPU for the collector.
import type { Stack } from './stack.ts';

/** Passthrough + audio: no video encoding on the encoder side. */
export const LIGHT_LADDER = [
  { name: 'source', codec: 'copy' },
  { name: 'audio', codec: 'audio', audioKbps: 96 },
];

export function collectorEnv(stack: Stack, collector: {
  nodeId: string;
  nodeSecret: string;
  room: string;
  statusPort: number;
  recordingDir: string;
}): NodeJS.ProcessEnv {
  return {
    ...stack.env,
    ROOMCAST_COLLECTOR_NODE_ID: collector.nodeId,
    ROOMCAST_COLLECTOR_EDGE_URL: stack.edgeUrl,
    ROOMCAST_COLLECTOR_NODE_SECRET: collector.nodeSecret,
    ROOMCAST_COLLECTOR_ROOM: collector.room,
    ROOMCAST_COLLECTOR_OUTPUT_WIDTH: '640',
    ROOMCAST_COLLECTOR_OUTPUT_HEIGHT: '360',
    ROOMCAST_COLLECTOR_OUTPUT_VIDEO_KBPS: '800',
    ROOMCAST_COLLECTOR_RECORDING_DIR: collector.recordingDir,
    // The test machine's disk is its own business: no rotation here (disk_guard_test).
    ROOMCAST_COLLECTOR_RECORDING_MIN_FREE_MB: '0',
    ROOMCAST_COLLECTOR_RECORDING_PAUSE_BELOW_MB: '0',
    ROOMCAST_COLLECTOR_STATUS_PORT: String(collector.statusPort),
    ROOMCAST_COLLECTOR_HEARTBEAT_INTERVAL_SECONDS: '1',
  };
}
