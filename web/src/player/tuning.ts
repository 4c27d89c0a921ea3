// hls.js settings per latency mode (`?latency=low` on the watch and embed pages). The
// latency benchmark plays the same room both ways and compares how far behind live each is.
import type { HlsConfig } from 'hls.js';

export type LatencyMode = 'default' | 'low';

export function latencyModeFrom(search: string): LatencyMode {
  return new URLSearchParams(search).get('latency') === 'low' ? 'low' : 'default';
}

/**
 * Both modes:
 * - `backBufferLength: 30`: keep 30 s behind the playhead for short rewinds, drop the rest
 *   (the default keeps all of it, and a long event fills a phone's memory).
 * - `enableWorker: false`: the pages' Content-Security-Policy allows scripts from our own
 *   origin only, and hls.js starts its worker from a blob: URL. Our segments are fMP4, which
 *   hls.js passes through without transmuxing, so the main thread loses little.
 *
 * default — hls.js's own live settings: start and stay 3 target durations behind the live
 *   edge (`liveSyncDurationCount: 3`, 6 s with 2 s segments), normal playback rate. The
 *   most robust against segments arriving late.
 * low — `liveSyncDurationCount: 1.5`: 1.5 target durations (3 s with 2 s segments); hls.js
 *   multiplies it by the target duration, so a fraction is fine. `lowLatencyMode: true` (it
 *   would also use LL-HLS parts; our playlists have none) is what lets hls.js catch up by
 *   playing faster, at most 1.5× (`maxLiveSyncPlaybackRate`), when it drifts behind its
 *   target, e.g. after a rebuffer. The price: less buffer, so more stalls on a bad network.
 */
export function hlsTuning(mode: LatencyMode): Partial<HlsConfig> {
  const common: Partial<HlsConfig> = { backBufferLength: 30, enableWorker: false };
  if (mode === 'default') return common;
  return {
    ...common,
    lowLatencyMode: true,
    liveSyncDurationCount: 1.5,
    maxLiveSyncPlaybackRate: 1.5,
  };
}
