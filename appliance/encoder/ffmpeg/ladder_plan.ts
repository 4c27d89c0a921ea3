// Turns a room's configured ladder into what this publisher's stream can actually feed:
// concrete sizes and frame rates, no rung above the source (upscaling costs CPU and
// bandwidth and adds no detail), no audio where the source has none. The result is all
// the ffmpeg argv needs, and the agent uses the same numbers for the master playlist.
import type { Rendition } from '../../../core/wire/contracts.ts';

export interface SourceInfo {
  width: number;
  height: number;
  fps: number;
  hasAudio: boolean;
}

export type PlannedRendition =
  | { kind: 'copy'; name: string; width: number; height: number; fps: number; hasAudio: boolean }
  | {
    kind: 'video';
    name: string;
    codec: 'h264' | 'vp9';
    width: number;
    height: number;
    fps: number;
    videoKbps: number;
    audioKbps: number | null;
  }
  | { kind: 'audio'; name: string; audioKbps: number };

export type PlannedVideo = Extract<PlannedRendition, { kind: 'video' }>;

type VideoRung = Extract<Rendition, { codec: 'h264' | 'vp9' }>;

/** Nearest even number, at least 2: yuv420p (and every hardware encoder) needs even sizes. */
export function even(value: number): number {
  return Math.max(2, 2 * Math.round(value / 2));
}

/**
 * The renditions to encode for `source`, in ladder order.
 *
 * - A video rung taller than the source is dropped; one of the source's height is kept
 *   (it still caps the bitrate of a heavy source).
 * - Widths keep the source's aspect ratio (square pixels assumed, as RTMP publishers send),
 *   rounded to even. Heights are picture heights: a portrait source gets narrow rungs.
 * - fps is the rung's own, but never above the source's.
 * - Without source audio: rungs get `audioKbps: null` and audio-only renditions go.
 * - A source smaller than every rung of a ladder that has no `copy`: the lowest rung is kept
 *   at the source's height, its bitrate scaled down by the pixel count, so viewers still
 *   get a picture. With a `copy` in the ladder the copy is that picture, and nothing is
 *   added.
 *
 * Throws when the source is not a real video size/rate, names repeat (renditions share
 * nothing on disk but their name), or nothing at all would be left to encode.
 */
export function planLadder(ladder: readonly Rendition[], source: SourceInfo): PlannedRendition[] {
  for (
    const [field, value] of [['width', source.width], ['height', source.height], [
      'fps',
      source.fps,
    ]] as const
  ) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`source ${field} must be a positive number, got ${value}`);
    }
  }
  const names = new Set<string>();
  for (const rendition of ladder) {
    if (names.has(rendition.name)) {
      throw new Error(`rendition name ${rendition.name} is used twice in the ladder`);
    }
    names.add(rendition.name);
  }

  const planned: PlannedRendition[] = [];
  for (const rendition of ladder) {
    switch (rendition.codec) {
      case 'copy':
        planned.push({
          kind: 'copy',
          name: rendition.name,
          width: source.width,
          height: source.height,
          fps: source.fps,
          hasAudio: source.hasAudio,
        });
        break;
      case 'audio':
        if (source.hasAudio) {
          planned.push({ kind: 'audio', name: rendition.name, audioKbps: rendition.audioKbps });
        }
        break;
      default:
        if (rendition.height <= source.height) {
          planned.push(videoRung(rendition, source, rendition.height, rendition.videoKbps));
        }
    }
  }

  const rungs = ladder.filter((r): r is VideoRung => r.codec === 'h264' || r.codec === 'vp9');
  const hasVideo = planned.some((r) => r.kind !== 'audio');
  if (!hasVideo && rungs.length > 0) {
    const lowest = rungs.reduce((a, b) => (b.height < a.height ? b : a));
    // Floor to even: the rung must not end up taller than the source by a rounding.
    const height = Math.max(2, 2 * Math.floor(source.height / 2));
    const kbps = Math.max(
      1,
      Math.round(lowest.videoKbps * (height * height) / (lowest.height * lowest.height)),
    );
    // Ladder order: where the lowest rung stood among the renditions that were kept.
    const before = ladder.slice(0, ladder.indexOf(lowest)).filter((r) =>
      planned.some((p) => p.name === r.name)
    ).length;
    planned.splice(before, 0, videoRung(lowest, source, height, kbps));
  }

  if (planned.length === 0) {
    throw new Error('nothing to encode: the ladder has only audio and the source has none');
  }
  return planned;
}

function videoRung(
  rung: VideoRung,
  source: SourceInfo,
  height: number,
  videoKbps: number,
): PlannedVideo {
  return {
    kind: 'video',
    name: rung.name,
    codec: rung.codec,
    width: even((source.width * height) / source.height),
    height,
    fps: Math.min(rung.fps ?? source.fps, source.fps),
    videoKbps,
    audioKbps: source.hasAudio ? rung.audioKbps : null,
  };
}
