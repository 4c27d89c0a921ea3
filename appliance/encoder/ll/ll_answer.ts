// The answer to one low-latency playlist request (`<room>/<rendition>/ll.m3u8`, which nginx
// passes to the agent after its token check): at once, or, for a blocking reload, as soon
// as the playlist holds what `_HLS_msn`/`_HLS_part` ask for. A query that is wrong gets a
// 400 naming what is wrong; a wait that runs out (the publisher is slow or gone) gets the
// playlist as it is, so no request is held for ever and none gets a 5xx.
import { parseBlockingReload, satisfies, tooFarAhead } from './blocking_reload.ts';
import { renderLowLatencyPlaylist } from './ll_playlist.ts';
import type { LlView } from './ll_view.ts';

export interface LlSource {
  /** The playlist as of now; null when there is none (no such rendition, not low-latency). */
  view(): LlView | null;
  /** Calls `listener` when the playlist may have changed; returns unsubscribe. */
  subscribe(listener: () => void): () => void;
}

export interface LlAnswer {
  status: 200 | 400 | 404;
  contentType: string;
  body: string;
}

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
const TEXT_TYPE = 'text/plain; charset=utf-8';

/**
 * How long a blocking reload is held at most, in target durations: RFC 8216bis has the
 * server answer within three (then a 503; we answer with what there is instead).
 */
const HOLD_TARGET_DURATIONS = 3;

export async function answerLowLatency(
  source: LlSource | null,
  query: URLSearchParams,
): Promise<LlAnswer> {
  const reload = parseBlockingReload(query);
  if (reload.kind === 'invalid') return { status: 400, contentType: TEXT_TYPE, body: reload.error };
  const first = source?.view() ?? null;
  if (!source || !first) {
    return { status: 404, contentType: TEXT_TYPE, body: 'no low-latency playlist here' };
  }
  const playlist = (view: LlView): LlAnswer => ({
    status: 200,
    contentType: PLAYLIST_TYPE,
    body: renderLowLatencyPlaylist(view.input),
  });
  if (reload.kind === 'none') return playlist(first);
  const request = reload.request;
  const farAhead = tooFarAhead(first.edge, request);
  if (farAhead) return { status: 400, contentType: TEXT_TYPE, body: farAhead };
  const ready = (view: LlView) => view.input.ended || satisfies(view.edge, request);
  if (ready(first)) return playlist(first);

  const holdMs = HOLD_TARGET_DURATIONS * first.input.targetDuration * 1000;
  const view = await new Promise<LlView>((resolve) => {
    let latest = first;
    const finish = () => {
      clearTimeout(timer);
      unsubscribe();
      resolve(latest);
    };
    const timer = setTimeout(finish, holdMs);
    const unsubscribe = source.subscribe(() => {
      latest = source.view() ?? latest;
      if (ready(latest)) finish();
    });
  });
  return playlist(view);
}
