// Turns the worker's per-channel levels (~10 per second) into what the crew must see at a
// glance: is the room's audio there, and is it clipping. Plain code with an injected
// clock, so every rule is tested without GStreamer.
//
// * silence: every channel below silenceBelowDb, continuously, for silenceAfterMs — a
//   muted mixer feed or an unplugged cable. One loud block on any channel starts it over.
// * dead audio path: no levels for staleAfterMs after some had come also counts as
//   silence, and the channels are shown at −200 dBFS rather than frozen at their last value.
// * clipping: a channel's peak at or above clipAtDb, held for holdClipMs so a single
//   clipped block stays visible long enough to be seen.
// * meters: each channel shows the loudest block of the last displayMs, the way a meter's
//   ballistics hold a transient; the page samples a few times a second and would
//   otherwise miss a 100 ms beep or a clap.
import type { AudioWarnings, ChannelLevel } from './status.ts';

export interface AudioWatchOptions {
  now?: () => number;
  /** dBFS; a channel whose rms is below this is quiet. */
  silenceBelowDb?: number;
  /** How long every channel must stay quiet before `silence`. */
  silenceAfterMs?: number;
  /** dBFS; a peak at or above this is a clip. */
  clipAtDb?: number;
  /** How long `clipping` stays on after the last clip. */
  holdClipMs?: number;
  /** How long without levels before the audio path counts as dead. */
  staleAfterMs?: number;
  /** Meters show the loudest block of this long a window. */
  displayMs?: number;
}

export interface AudioWatch {
  /** One report from the level element: one entry per channel. */
  update(levels: ChannelLevel[]): void;
  /**
   * Per channel the loudest rms and peak of the last displayMs; every channel at −200 dBFS
   * once they went stale; [] before any.
   */
  levels(): ChannelLevel[];
  warnings(): AudioWarnings;
}

export const AUDIO_WATCH_DEFAULTS = {
  silenceBelowDb: -60,
  silenceAfterMs: 3000,
  clipAtDb: -0.5,
  holdClipMs: 3000,
  staleAfterMs: 1500,
  displayMs: 300,
} as const;

/** The wire's digital silence. */
const SILENT_DB = -200;

export function createAudioWatch(options: AudioWatchOptions = {}): AudioWatch {
  const now = options.now ?? Date.now;
  const silenceBelowDb = options.silenceBelowDb ?? AUDIO_WATCH_DEFAULTS.silenceBelowDb;
  const silenceAfterMs = options.silenceAfterMs ?? AUDIO_WATCH_DEFAULTS.silenceAfterMs;
  const clipAtDb = options.clipAtDb ?? AUDIO_WATCH_DEFAULTS.clipAtDb;
  const holdClipMs = options.holdClipMs ?? AUDIO_WATCH_DEFAULTS.holdClipMs;
  const staleAfterMs = options.staleAfterMs ?? AUDIO_WATCH_DEFAULTS.staleAfterMs;
  const displayMs = options.displayMs ?? AUDIO_WATCH_DEFAULTS.displayMs;

  let current: ChannelLevel[] = [];
  /** Reports of the last displayMs, newest last. */
  let recent: { at: number; levels: ChannelLevel[] }[] = [];
  let lastUpdateAt: number | null = null;
  /** Since when every channel has been quiet; null while any channel is audible. */
  let quietSince: number | null = null;
  let lastClipAt: number | null = null;

  const stale = (at: number) => lastUpdateAt !== null && at - lastUpdateAt >= staleAfterMs;

  return {
    update(levels) {
      const at = now();
      current = levels.map(({ rmsDb, peakDb }) => ({ rmsDb, peakDb }));
      lastUpdateAt = at;
      recent = [...recent.filter((report) => at - report.at < displayMs), { at, levels: current }];
      // A report without channels carries no sound either.
      if (current.every((level) => level.rmsDb < silenceBelowDb)) quietSince ??= at;
      else quietSince = null;
      if (current.some((level) => level.peakDb >= clipAtDb)) lastClipAt = at;
    },
    levels() {
      const at = now();
      if (stale(at)) return current.map(() => ({ rmsDb: SILENT_DB, peakDb: SILENT_DB }));
      const held = recent.filter((report) => at - report.at < displayMs);
      return current.map((level, channel) => {
        const loudest = { ...level };
        for (const report of held) {
          const other = report.levels[channel];
          if (!other) continue;
          loudest.rmsDb = Math.max(loudest.rmsDb, other.rmsDb);
          loudest.peakDb = Math.max(loudest.peakDb, other.peakDb);
        }
        return loudest;
      });
    },
    warnings() {
      const at = now();
      // A dead path has been silent since its last report, whatever that report held.
      const silentFrom = stale(at) ? Math.min(quietSince ?? Infinity, lastUpdateAt!) : quietSince;
      return {
        silence: stale(at) || (quietSince !== null && at - quietSince >= silenceAfterMs),
        clipping: lastClipAt !== null && at - lastClipAt < holdClipMs,
        silentSeconds: silentFrom === null ? 0 : Math.floor((at - silentFrom) / 1000),
      };
    },
  };
}
