// hls.js settings per latency mode (`?latency=low` on the watch and embed pages). The
// latency benchmark plays the same room both ways and compares how far behind live each is.
import type { HlsConfig } from 'hls.js';

export type LatencyMode = 'default' | 'low';

export function latencyModeFrom(search: string): LatencyMode {
  return new URLSearchParams(search).get('latency') === 'low' ? 'low' : 'default';
}

/**
 * How much faster than real time the default mode may play to get back to its target. hls.js
 * starts an LL-HLS stream at a keyframe, so up to a segment further back than PART-HOLD-BACK
 * (measured: 1.7 s instead of about 1 s); without catching up it would stay there. A
 * quarter faster is hardly heard (browsers keep the pitch) and closes a second in 4 s.
 */
const DEFAULT_CATCH_UP_RATE = 1.25;

/**
 * Target durations behind the edge, for playlists without a hold-back (our ordinary ones).
 * Measured on the demo (2 s segments; bench/glass_to_glass.ts and a probe that moved one
 * playback to each distance): 3 (hls.js's own) put the frame on screen 6.9 s old with
 * 4–6 s of buffer; 1.5 put it 4.0 s old with 1.0–3.0 s; 1.25, 3.5 s with 0.6–2.5 s. 1.5
 * keeps a second of buffer at the worst moment (just before the next segment is listed)
 * and meets the 4 s glass-to-glass goal; low mode trades half of that second for 0.5 s.
 */
const DEFAULT_SYNC_DURATION_COUNT = 1.5;
const LOW_SYNC_DURATION_COUNT = 1.25;

/**
 * Segments an ordinary playlist must list before hls.js starts. hls.js starts at its target
 * only when the playlist reaches back that far: with one segment (a viewer already waiting
 * when the room goes live) it starts on it, one target duration behind with a fraction of
 * a second of buffer (measured: 2.1 s behind the edge, the buffer down to 0.12 s before
 * each new segment), and it never slows down to build a buffer. Two segments hold the 1.5
 * target durations (and low mode's 1.25). Stepping back once playing was tried and
 * dropped: the seek stalls, and hls.js answers a stall with a second more of latency.
 * LL-HLS playlists start on their parts at once (hls_engine.ts lowers this to 1 for them).
 */
export const START_SEGMENTS = 2;

/**
 * Both modes:
 * - `backBufferLength: 30`: keep 30 s behind the playhead for short rewinds, drop the rest
 *   (the default keeps all of it, and a long event fills a phone's memory).
 * - `enableWorker: false`: the pages' Content-Security-Policy allows scripts from our own
 *   origin only, and hls.js starts its worker from a blob: URL. Our segments are fMP4, which
 *   hls.js passes through without transmuxing, so the main thread loses little.
 * - LL-HLS on: `lowLatencyMode` is true by hls.js's default and nothing here turns it off.
 *   The encoder serves ordinary playlists, or LL-HLS ones when the event switches it on
 *   (EXT-X-PART with a 0.25 s PART-TARGET, SERVER-CONTROL with CAN-BLOCK-RELOAD and
 *   PART-HOLD-BACK=0.75). On those hls.js loads parts, reloads the playlist with blocking
 *   requests (`_HLS_msn`/`_HLS_part`; withToken keeps them) and plays PART-HOLD-BACK behind
 *   the edge.
 *
 * How far behind the edge hls.js plays (1.7, `targetLatency` in
 * src/controller/latency-controller.ts): PART-HOLD-BACK in lowLatencyMode, else HOLD-BACK;
 * when the playlist names neither (our ordinary ones have no SERVER-CONTROL),
 * `liveSyncDurationCount` target durations. But a `liveSyncDurationCount` or
 * `liveSyncDuration` given to `new Hls()` overrides both hold-backs: low mode passed 1.5
 * there and so played LL-HLS 3 s behind instead of 0.75 s. It is now set on `hls.config`
 * once hls.js is built (`tuneBuiltHls`), where hls.js reads it only when there is no
 * hold-back.
 *
 * default — ordinary playlists: 1.5 target durations behind (3 s with 2 s segments; hls.js
 *   multiplies it by the target duration, so a fraction is fine; its own 3 is 3 s more
 *   latency for buffer a wired viewer does not need). LL-HLS: PART-HOLD-BACK. Drifted
 *   further back (the start, a rebuffer), it catches up at up to 1.25×
 *   (DEFAULT_CATCH_UP_RATE); after a stall hls.js itself adds to the distance.
 * low — ordinary playlists: 1.25 target durations (2.5 s with 2 s segments). LL-HLS:
 *   PART-HOLD-BACK too, the encoder's own promise of how close its parts can be played.
 *   And it catches up by playing faster, at most 1.5× (`maxLiveSyncPlaybackRate`, which
 *   hls.js honours only in lowLatencyMode), when it drifts behind its target, e.g. after a
 *   rebuffer. The price: less buffer, so more stalls on a bad network.
 */
export function hlsTuning(mode: LatencyMode): Partial<HlsConfig> {
  const common: Partial<HlsConfig> = {
    backBufferLength: 30,
    enableWorker: false,
    initialLiveManifestSize: START_SEGMENTS,
  };
  if (mode === 'default') return { ...common, maxLiveSyncPlaybackRate: DEFAULT_CATCH_UP_RATE };
  return { ...common, lowLatencyMode: true, maxLiveSyncPlaybackRate: 1.5 };
}

/**
 * The settings that must go on `hls.config` after `new Hls()`, not into it (see above):
 * how far behind to play playlists that name no hold-back.
 */
export function tuneBuiltHls(config: HlsConfig, mode: LatencyMode): void {
  config.liveSyncDurationCount = mode === 'low'
    ? LOW_SYNC_DURATION_COUNT
    : DEFAULT_SYNC_DURATION_COUNT;
}
