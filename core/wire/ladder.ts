// The ladder an encoder produces for a room that does not ask for its own: the source
// passed through, three H.264 rungs and audio only (for bad networks and radio-style use).
import type { Rendition } from './contracts.ts';

export const DEFAULT_LADDER: readonly Rendition[] = [
  { name: 'source', codec: 'copy' },
  { name: '720p', codec: 'h264', height: 720, videoKbps: 2800, audioKbps: 128 },
  { name: '480p', codec: 'h264', height: 480, videoKbps: 1400, audioKbps: 96 },
  { name: '360p', codec: 'h264', height: 360, videoKbps: 800, audioKbps: 96 },
  { name: 'audio', codec: 'audio', audioKbps: 96 },
];
