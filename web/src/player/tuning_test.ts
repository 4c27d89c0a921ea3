import assert from 'node:assert/strict';
import { test } from 'node:test';
import Hls, {
  Events,
  type Loader,
  type LoaderCallbacks,
  type LoaderConfiguration,
  LoadStats,
  type PlaylistLoaderContext,
} from 'hls.js/light';
import {
  hlsTuning,
  type LatencyMode,
  latencyModeFrom,
  START_SEGMENTS,
  tuneBuiltHls,
} from './tuning.ts';

test('?latency=low selects the low-latency tuning; anything else the default', () => {
  assert.equal(latencyModeFrom('?latency=low'), 'low');
  assert.equal(latencyModeFrom('?x=1&latency=low'), 'low');
  assert.equal(latencyModeFrom(''), 'default');
  assert.equal(latencyModeFrom('?latency=LOW'), 'default');
  assert.equal(latencyModeFrom('?latency=ultra'), 'default');
});

test('default keeps hls.js live defaults; low may speed up; neither turns LL-HLS off', () => {
  const normal = hlsTuning('default');
  const low = hlsTuning('low');
  assert.equal(normal.backBufferLength, 30);
  assert.equal(normal.lowLatencyMode, undefined);
  assert.equal(low.backBufferLength, 30);
  assert.equal(low.lowLatencyMode, true);
  assert.ok(low.maxLiveSyncPlaybackRate! > 1);
  // Given to the constructor these would override PART-HOLD-BACK.
  for (const config of [normal, low]) {
    assert.equal(config.liveSyncDurationCount, undefined);
    assert.equal(config.liveSyncDuration, undefined);
  }
  // Playback waits for a playlist that reaches back to the target (e2e/player_start_test.ts).
  assert.equal(normal.initialLiveManifestSize, START_SEGMENTS);
  assert.equal(low.initialLiveManifestSize, START_SEGMENTS);
  // The pages' CSP forbids hls.js's blob: worker in both modes.
  assert.equal(normal.enableWorker, false);
  assert.equal(low.enableWorker, false);
});

/** What the encoder serves with LL-HLS on: 2 s segments of 0.25 s parts. */
const LL_PLAYLIST = [
  '#EXTM3U',
  '#EXT-X-VERSION:9',
  '#EXT-X-TARGETDURATION:2',
  '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.750',
  '#EXT-X-PART-INF:PART-TARGET=0.250',
  '#EXT-X-MEDIA-SEQUENCE:10',
  '#EXT-X-MAP:URI="init.mp4"',
  ...[10, 11, 12, 13].flatMap((n) => [
    `#EXT-X-PROGRAM-DATE-TIME:2025-05-01T10:00:${2 * n}.000Z`,
    ...Array.from({ length: 8 }, (_, p) => `#EXT-X-PART:DURATION=0.250,URI="s${n}.${p}.m4s"`),
    '#EXTINF:2.000,',
    `s${n}.m4s`,
  ]),
  '#EXT-X-PART:DURATION=0.250,URI="s14.0.m4s"',
  '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s14.1.m4s"',
].join('\n');

/** The same without parts or SERVER-CONTROL. */
const ORDINARY_PLAYLIST = LL_PLAYLIST.split('\n')
  .filter((line) => !/^#EXT-X-(PART|SERVER-CONTROL|PART-INF|PRELOAD-HINT)\b/.test(line))
  .join('\n');

/**
 * Where the real hls.js, built as hls_engine.ts builds it, means to play a live `playlist`
 * (seconds behind the edge), and the URL it asks for next (a blocking reload on LL-HLS).
 */
async function tunedPlay(mode: LatencyMode, playlist: string) {
  // loadSource resolves the URL against the page's; Node has no page (put back after).
  const page = Object.getOwnPropertyDescriptors(globalThis);
  Object.assign(globalThis, { self: globalThis, location: { href: 'https://enc.test/' } });
  const requested: string[] = [];
  class PlaylistLoader implements Loader<PlaylistLoaderContext> {
    context: PlaylistLoaderContext | null = null;
    stats = new LoadStats();
    load(
      context: PlaylistLoaderContext,
      _config: LoaderConfiguration,
      callbacks: LoaderCallbacks<PlaylistLoaderContext>,
    ) {
      this.context = context;
      requested.push(context.url);
      const now = performance.now();
      this.stats.loading = { start: now, first: now, end: now };
      setTimeout(() =>
        callbacks.onSuccess({ url: context.url, data: playlist }, this.stats, context, null)
      );
    }
    abort() {}
    destroy() {}
  }
  const hls = new Hls({ ...hlsTuning(mode), pLoader: PlaylistLoader });
  tuneBuiltHls(hls.config, mode);
  try {
    await new Promise((resolve) => {
      hls.once(Events.LEVEL_LOADED, resolve);
      hls.loadSource('https://enc.test/main/source/index.m3u8');
    });
    // Let hls.js finish handling the playlist (and ask for the next one).
    await new Promise((resolve) => setTimeout(resolve, 10));
    return { targetLatency: hls.targetLatency, reload: requested[1] ?? '' };
  } finally {
    hls.destroy();
    for (const name of ['self', 'location'] as const) {
      const before = page[name];
      if (before) Object.defineProperty(globalThis, name, before);
      else delete (globalThis as Record<string, unknown>)[name];
    }
  }
}

test('LL-HLS playlists: both modes play PART-HOLD-BACK behind, with blocking reloads', async () => {
  for (const mode of ['default', 'low'] as const) {
    const { targetLatency, reload } = await tunedPlay(mode, LL_PLAYLIST);
    assert.equal(targetLatency, 0.75, mode);
    assert.match(reload, /[?&]_HLS_msn=14&_HLS_part=1\b/, mode);
  }
});

test('ordinary playlists: 1.5 target durations behind by default, 1.25 in low mode', async () => {
  assert.equal((await tunedPlay('default', ORDINARY_PLAYLIST)).targetLatency, 3);
  assert.equal((await tunedPlay('low', ORDINARY_PLAYLIST)).targetLatency, 2.5);
});
