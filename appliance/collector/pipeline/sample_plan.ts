// One capture plan for the tests of the pipeline descriptions (the exact-text tests and
// the real-GStreamer parse tests start from the same plan).
import type { CapturePlan } from './describe.ts';

export const SAMPLE_PLAN: CapturePlan = {
  room: 'main-hall',
  source: { kind: 'test', device: '/dev/video0', deckLinkIndex: 0 },
  audio: { kind: 'test', device: 'default' },
  output: {
    width: 1280,
    height: 720,
    fps: 30,
    videoKbps: 2500,
    audioKbps: 128,
    preset: 'superfast',
    gopSeconds: 2,
  },
  recording: {
    location: '/var/lib/roomcast/recordings/main-hall/main-hall-20261121T094500Z-%05d.ts',
    segmentSeconds: 60,
    videoKbps: 8000,
  },
  clockEpoch: '2026-11-21T09:45:00.000Z',
};
