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
  | { kind: 'copy'; name: string; width: number; height: number; fps: number }
  | {
    kind: 'video';
    name: string;
    codec: 'h264' | 'vp9';
    width: number;
    height: number;
    fps: number;
    videoKbps: number;
    /** The ladder asked for the source passed through; it is re-encoded instead. */
    replacesCopy?: true;
  }
  | {
    kind: 'audio';
    name: string;
    audioKbps: number;
    /** The ladder has this audio-only rendition (else it is only the video's audio). */
    listed: boolean;
  };

export type PlannedVideo = Extract<PlannedRendition, { kind: 'video' }>;
export type PlannedAudio = Extract<PlannedRendition, { kind: 'audio' }>;

export interface PlanOptions {
  /**
   * Re-encode the `copy` rendition at the source's size: the publisher's keyframes do not
   * fall on the segment boundaries (keyframe_watch.ts), so its own pictures cannot be cut
   * where the other renditions are.
   */
  reencodeSource?: boolean;
}

/** Bits per pixel and frame of a re-encoded source: 2.8 Mbit/s at 720p30, 6.2 at 1080p30. */
const SOURCE_BITS_PER_PIXEL = 0.1;

/** The name of the shared audio when the ladder has no audio rendition of its own. */
const SHARED_AUDIO_NAMES = ['audio', 'audio-shared'];

type VideoRung = Extract<Rendition, { codec: 'h264' | 'vp9' }>;

/** Nearest even number, at least 2: yuv420p (and every hardware encoder) needs even sizes. */
export function even(value: number): number {
  return Math.max(2, 2 * Math.round(value / 2));
}

/**
 * The renditions to encode for `source`, in ladder order.
 *
 * - Video renditions carry no audio: the audio is encoded once, as one `audio` rendition
 *   every video variant shares (an HLS audio group). Its bitrate is the highest the ladder
 *   asks of any rendition. It stands where the ladder's audio-only rendition stands, or
 *   last (`listed: false`) when the ladder has none; without source audio there is none.
 * - With a `copy` (source) rendition, a video rung as tall as the source or taller is
 *   dropped: the source itself is that picture, and re-encoding it from itself only adds
 *   bits. Without one, a rung of the source's height is kept (it is the full picture).
 * - Widths keep the source's aspect ratio (square pixels assumed, as RTMP publishers send),
 *   rounded to even. Heights are picture heights: a portrait source gets narrow rungs.
 * - fps is the rung's own, but never above the source's.
 * - A source smaller than every rung of a ladder that has no `copy`: the lowest rung is kept
 *   at the source's height, its bitrate scaled down by the pixel count, so viewers still
 *   get a picture. With a `copy` in the ladder the copy is that picture, and nothing is
 *   added.
 *
 * Throws when the source is not a real video size/rate, names repeat (renditions share
 * nothing on disk but their name), or nothing at all would be left to encode.
 */
export function planLadder(
  ladder: readonly Rendition[],
  source: SourceInfo,
  options: PlanOptions = {},
): PlannedRendition[] {
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

  const hasCopy = ladder.some((r) => r.codec === 'copy');
  const planned: PlannedRendition[] = [];
  for (const rendition of ladder) {
    switch (rendition.codec) {
      case 'copy':
        planned.push(
          options.reencodeSource ? sourceRung(rendition.name, source) : {
            kind: 'copy',
            name: rendition.name,
            width: source.width,
            height: source.height,
            fps: source.fps,
          },
        );
        break;
      case 'audio':
        break; // the shared audio goes in below
      default:
        if (hasCopy ? rendition.height < source.height : rendition.height <= source.height) {
          planned.push(videoRung(rendition, source, rendition.height, rendition.videoKbps));
        }
    }
  }

  const rungs = ladder.filter((r): r is VideoRung => r.codec === 'h264' || r.codec === 'vp9');
  if (planned.length === 0 && rungs.length > 0) {
    const lowest = rungs.reduce((a, b) => (b.height < a.height ? b : a));
    // Floor to even: the rung must not end up taller than the source by a rounding.
    const height = Math.max(2, 2 * Math.floor(source.height / 2));
    const kbps = Math.max(
      1,
      Math.round(lowest.videoKbps * (height * height) / (lowest.height * lowest.height)),
    );
    planned.push(videoRung(lowest, source, height, kbps));
  }

  if (source.hasAudio) {
    const audio = sharedAudio(ladder, planned);
    const at = ladder.findIndex((r) => r.codec === 'audio');
    // Ladder order: where the audio-only rendition stood among the renditions that were kept.
    const before = at === -1
      ? planned.length
      : ladder.slice(0, at).filter((r) => planned.some((p) => p.name === r.name)).length;
    planned.splice(before, 0, audio);
  }

  if (planned.length === 0) {
    throw new Error('nothing to encode: the ladder has only audio and the source has none');
  }
  return planned;
}

/** The one audio encode: the ladder's audio-only rendition, or an unlisted one. */
function sharedAudio(ladder: readonly Rendition[], video: PlannedRendition[]): PlannedAudio {
  const own = ladder.find((r) => r.codec === 'audio');
  const kept = new Set(video.map((r) => r.name));
  const rates = ladder.flatMap((r) =>
    r.codec === 'audio' || (r.codec !== 'copy' && kept.has(r.name)) ? [r.audioKbps] : []
  );
  const name = own?.name ??
    SHARED_AUDIO_NAMES.find((candidate) => !ladder.some((r) => r.name === candidate)) ??
    'audio-0';
  // A ladder of only a copy names no rate: AAC-LC stereo at 128 kbit/s is transparent enough.
  return { kind: 'audio', name, audioKbps: rates.length ? Math.max(...rates) : 128, listed: !!own };
}

/**
 * The source re-encoded at its own size and rate, at SOURCE_BITS_PER_PIXEL, as H.264: for a
 * source whose keyframes miss the grid, and for the passthrough's slate.
 */
export function sourceRung(
  name: string,
  source: Pick<SourceInfo, 'width' | 'height' | 'fps'>,
): PlannedVideo {
  const kbps = (source.width * source.height * source.fps * SOURCE_BITS_PER_PIXEL) / 1000;
  return {
    kind: 'video',
    name,
    codec: 'h264',
    width: even(source.width),
    height: even(source.height),
    fps: source.fps,
    videoKbps: Math.max(300, Math.round(kbps / 100) * 100),
    replacesCopy: true,
  };
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
  };
}
