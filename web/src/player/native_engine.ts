// The stream played by the browser's own HLS (Safari, iOS without MSE). It fetches by
// itself, so a renewed token reaches it only by loading the new URL: done shortly before the
// old token expires, at the same distance from live.
import type { Engine, EngineOptions, Token } from './engine.ts';
import { nativeSwapDelayMs, withToken } from './token.ts';

/**
 * Where "live" is for native playback: seekable end minus this. Safari picks its own start
 * point, 3 target durations back as the HLS spec asks (6 s with 2 s segments).
 */
export const NATIVE_TARGET_LATENCY_S = 6;

type SafariVideo = HTMLVideoElement & { getStartDate?: () => Date };

export function createNativeEngine(options: EngineOptions): Engine {
  const video = options.video as SafariVideo;
  let token: Token = options.token();
  let swapTimer: ReturnType<typeof setTimeout> | undefined;

  const seekableRange = () => {
    const ranges = video.seekable;
    return ranges.length > 0
      ? { start: ranges.start(0), end: ranges.end(ranges.length - 1) }
      : null;
  };
  const behindLive = () => {
    const range = seekableRange();
    return range ? Math.max(0, range.end - video.currentTime) : null;
  };

  /** Load the playlist with the current token; `keepBehind`: seconds behind live to return to. */
  const load = (keepBehind: number | null) => {
    const wasPlaying = !video.paused;
    token = options.token();
    video.src = withToken(options.playlistUrl, token.tokenQuery, token.origin);
    if (keepBehind !== null) {
      video.addEventListener('loadedmetadata', () => {
        const range = seekableRange();
        if (range) video.currentTime = Math.max(range.start, range.end - keepBehind);
      }, { once: true });
    }
    // A new src pauses the element; carry on if it was playing.
    if (wasPlaying) video.play().catch((e) => console.debug('[player] native play', e));
  };

  const onError = () =>
    options.events.trouble('network', true, `native playback error ${video.error?.code ?? ''}`);
  video.addEventListener('error', onError);
  load(null);

  return {
    kind: 'native',
    levels: () => [],
    playingLevel: () => -1,
    autoEnabled: () => true,
    setLevel() {
      // The browser picks the rendition itself.
    },
    behindLive,
    targetLatency: () => NATIVE_TARGET_LATENCY_S,
    livePosition() {
      const range = seekableRange();
      return range ? Math.max(range.start, range.end - NATIVE_TARGET_LATENCY_S) : null;
    },
    playingDate() {
      const start = video.getStartDate?.().getTime();
      return start !== undefined && Number.isFinite(start)
        ? start + video.currentTime * 1000
        : null;
    },
    resume: () => load(behindLive()),
    tokenRenewed() {
      clearTimeout(swapTimer);
      swapTimer = setTimeout(
        () => load(behindLive()),
        nativeSwapDelayMs(token.expiresAtMs, Date.now()),
      );
    },
    destroy() {
      clearTimeout(swapTimer);
      video.removeEventListener('error', onError);
      video.removeAttribute('src');
      video.load();
    },
    instance: () => null,
  };
}
