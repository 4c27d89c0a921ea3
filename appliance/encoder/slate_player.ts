// A room's "be right back" slate: rendered in the background for each new ladder plan, so
// it is ready before it is needed, and played while the publisher is away — one segment
// per rendition every segment length, in real time, appended to the public playlists as a
// run of its own — until a new run has media again, or the reconnect window is over
// (then the playlists end).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../core/log.ts';
import { initSegmentName, segmentFileName } from './ffmpeg/argv.ts';
import type { VideoBackend } from './ffmpeg/backend.ts';
import type { PlannedRendition } from './ffmpeg/ladder_plan.ts';
import type { RenditionPlaylist } from './hls/media_playlist.ts';
import {
  renderSlate,
  type Slate,
  slateKey,
  slatePlaylist,
  slateSegmentBytes,
} from './hls/slate.ts';

export interface SlatePlayerOptions {
  roomDir: string;
  /** Scratch directory for rendering (not served). */
  slateDir: string;
  segmentSeconds: number;
  backend: VideoBackend;
  ffmpegPath?: string;
  log: Logger;
  playlistOf(name: string): Promise<RenditionPlaylist>;
  /** Writes a rendition's public playlist (and removes what fell out of it). */
  publish(name: string, playlist: RenditionPlaylist): Promise<void>;
}

/** Why a spell of slate ends: the publisher's media is back, the window is over, or stop. */
export type SlateOutcome = 'resumed' | 'windowOver' | 'stopped';

export interface SlatePlayer {
  /** The slate for `plan` is rendered now (in the background) unless it already is. */
  prepare(plan: readonly PlannedRendition[]): void;
  /**
   * Plays the slate until `verdict()` says why it ends (asked every 200 ms). Without a
   * slate (it could not be rendered) nothing is listed, and it only waits for the verdict.
   */
  play(verdict: () => SlateOutcome | null): Promise<SlateOutcome>;
}

/** Private-playlist length of the slate run, as ffmpeg's (argv.ts PRIVATE_LIST_SIZE). */
const LISTED = 10;
/** How often the stop conditions are checked between two slate segments. */
const CHECK_MS = 200;

export function createSlatePlayer(options: SlatePlayerOptions): SlatePlayer {
  const { log, segmentSeconds } = options;
  let slate: Slate | null = null;
  let rendering: { key: string; done: Promise<void> } | null = null;

  const prepare = (plan: readonly PlannedRendition[]) => {
    const key = slateKey(plan, segmentSeconds);
    if (slate?.key === key || rendering?.key === key) return;
    const done = renderSlate({
      plan: [...plan],
      segmentSeconds,
      dir: options.slateDir,
      backend: options.backend,
      ffmpegPath: options.ffmpegPath,
    }).then(
      (rendered) => {
        if (rendering?.key === key) slate = rendered;
      },
      (error) => log.warn('the slate could not be rendered', { reason: (error as Error).message }),
    ).finally(() => {
      if (rendering?.key === key) rendering = null;
    });
    rendering = { key, done };
  };

  const waitFor = async (verdict: () => SlateOutcome | null, untilMs: number) => {
    for (;;) {
      const outcome = verdict();
      if (outcome || Date.now() >= untilMs) return outcome;
      await new Promise((resolve) => setTimeout(resolve, CHECK_MS));
    }
  };

  const play = async (verdict: () => SlateOutcome | null): Promise<SlateOutcome> => {
    await rendering?.done;
    const playing = slate;
    if (!playing) {
      log.warn('the publisher is away and there is no slate to show');
      return (await waitFor(verdict, Infinity))!;
    }
    const runId = `r${Date.now()}`;
    for (const r of playing.renditions) {
      const dir = join(options.roomDir, r.name);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, initSegmentName(runId)), r.init);
    }
    const names = {
      init: initSegmentName(runId),
      segment: (n: number) => segmentFileName(runId, n),
    };
    // Listed as a live encoder lists: each copy once its time is over. The first goes out
    // at once, dated a segment back: the publisher's last media ended about then.
    const duration = Math.max(...playing.renditions.map((r) => r.duration)) * 1000;
    const startMs = Date.now() - duration;
    log.info('the publisher is away: playing the slate', { run: runId });
    for (let n = 0;; n++) {
      for (const r of playing.renditions) {
        await writeFile(join(options.roomDir, r.name, names.segment(n)), slateSegmentBytes(r, n));
        const playlist = await options.playlistOf(r.name);
        const listed = slatePlaylist(r, names, Math.max(0, n - LISTED + 1), n, startMs);
        if (playlist.ingest(runId, listed, () => r.segment.byteLength).length) {
          await options.publish(r.name, playlist);
        }
      }
      const outcome = await waitFor(verdict, startMs + (n + 2) * duration);
      if (outcome) return outcome;
    }
  };

  return { prepare, play };
}
