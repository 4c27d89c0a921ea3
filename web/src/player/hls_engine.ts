// The stream played by hls.js: every request carries the current token, errors become the
// player's few kinds of trouble, media errors are recovered here.
import Hls, { type ErrorData, ErrorTypes, Events } from 'hls.js/light';
import type { Engine, EngineOptions } from './engine.ts';
import { withToken } from './token.ts';
import { hlsTuning, tuneBuiltHls } from './tuning.ts';

/** Media errors closer together than this count as a repeat of the same problem. */
const MEDIA_ERROR_REPEAT_MS = 10_000;

export function createHlsEngine(options: EngineOptions): Engine {
  const { video, events } = options;
  const tokenized = (url: string) => {
    const token = options.token();
    return withToken(url, token.tokenQuery, token.origin);
  };
  const hls = new Hls({
    ...hlsTuning(options.latency),
    // Playlists and segments are fetched with XHR: open each one on the tokenized URL.
    xhrSetup: (xhr, url) => xhr.open('GET', tokenized(url), true),
  });
  tuneBuiltHls(hls.config, options.latency);

  let manifestParsed = false;
  let mediaErrors = 0;
  let lastMediaErrorMs = -Infinity;

  const recoverMedia = (detail: string) => {
    const now = performance.now();
    mediaErrors = now - lastMediaErrorMs < MEDIA_ERROR_REPEAT_MS ? mediaErrors + 1 : 1;
    lastMediaErrorMs = now;
    if (mediaErrors === 1) {
      hls.recoverMediaError();
    } else if (mediaErrors === 2) {
      // A second error right after recovering: often an audio codec the manifest got wrong.
      hls.swapAudioCodec();
      hls.recoverMediaError();
    } else {
      events.trouble('broken', true, detail);
    }
  };

  const onError = (_event: Events.ERROR, data: ErrorData) => {
    const detail = `${data.type} ${data.details}`;
    if (httpStatus(data) === 403) {
      events.trouble('forbidden', data.fatal, detail);
      return;
    }
    // Non-fatal errors are retried by hls.js itself (another segment, another level).
    if (!data.fatal) return;
    if (data.type === ErrorTypes.NETWORK_ERROR) events.trouble('network', true, detail);
    else if (data.type === ErrorTypes.MEDIA_ERROR) recoverMedia(detail);
    else events.trouble('broken', true, detail);
  };

  hls.on(Events.MANIFEST_PARSED, () => {
    manifestParsed = true;
    events.changed();
  });
  hls.on(Events.LEVELS_UPDATED, () => events.changed());
  hls.on(Events.LEVEL_SWITCHED, () => events.changed());
  hls.on(Events.ERROR, onError);

  // An LL-HLS playlist starts on its parts: no need to wait for START_SEGMENTS (tuning.ts).
  // hls.js reads this on its next tick (every 100 ms), after the first playlist.
  hls.on(Events.LEVEL_LOADED, (_event, data) => {
    if (data.details.partList?.length) hls.config.initialLiveManifestSize = 1;
  });

  hls.loadSource(tokenized(options.playlistUrl));
  hls.attachMedia(video);

  return {
    kind: 'hls.js',
    levels: () => hls.levels.map((l) => ({ url: l.uri, height: l.height, bitrate: l.bitrate })),
    playingLevel: () => hls.currentLevel,
    autoEnabled: () => hls.autoLevelEnabled,
    setLevel(index) {
      // Immediate: the viewer asked for it, so flush and switch rather than wait for the buffer.
      hls.currentLevel = index;
    },
    behindLive() {
      // hls.latency: distance from the estimated live edge (last segment end plus the
      // playlist's age) to the playhead; 0 until it is known.
      if (!hls.latestLevelDetails?.live) return null;
      return hls.latency > 0 ? hls.latency : null;
    },
    targetLatency: () => hls.targetLatency,
    livePosition: () => hls.liveSyncPosition,
    playingDate: () => hls.playingDate?.getTime() ?? null,
    resume() {
      // Without a manifest there is nothing to resume: load it again.
      if (manifestParsed) hls.startLoad();
      else hls.loadSource(tokenized(options.playlistUrl));
    },
    tokenRenewed() {
      // Nothing to do: xhrSetup reads the current token for every request.
    },
    destroy: () => hls.destroy(),
    instance: () => hls,
  };
}

/** The HTTP status behind a loading error, when there was a response. */
function httpStatus(data: ErrorData): number | undefined {
  if (data.response?.code) return data.response.code;
  const xhr = data.networkDetails;
  return xhr instanceof XMLHttpRequest && xhr.status ? xhr.status : undefined;
}
