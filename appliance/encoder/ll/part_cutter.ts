// Groups a rendition's fragments (fmp4_stream.ts) into low-latency HLS parts and segments:
// every fragment is a part; a segment ends where a part that starts with a keyframe begins
// once the segment has reached its target (the transcoded rungs have a keyframe exactly
// there; audio parts are all independent). A segment's bytes are its parts' bytes, one
// after another: the standard playlist lists the very media the parts carry.

import type { Fragment } from './fmp4_stream.ts';

export interface Part {
  /** 0, 1, … within its segment. */
  index: number;
  /** Media sequence of the segment it belongs to (counted by this cutter, from 0). */
  segment: number;
  bytes: Uint8Array;
  durationSeconds: number;
  /** Starts with a keyframe: EXT-X-PART's INDEPENDENT=YES. */
  independent: boolean;
}

export interface Segment {
  sequence: number;
  parts: Part[];
  durationSeconds: number;
  /** Decode time of its first sample, in the track's timescale. */
  decodeTime: bigint;
}

export interface PartCutterOptions {
  segmentSeconds: number;
  timescale: number;
  part(part: Part): void;
  segment(segment: Segment): void;
}

export interface PartCutter {
  push(fragment: Fragment): void;
  /** The stream ended: what was cut so far becomes the last segment. */
  flush(): void;
}

/**
 * How far short of the target a segment may end at a keyframe: half a frame at 60 fps,
 * so a rung whose keyframes fall on the grid is never cut one GOP late by rounding.
 */
export const EARLY_SECONDS = 0.01;

export function createPartCutter(options: PartCutterOptions): PartCutter {
  const { timescale } = options;
  let sequence = 0;
  let parts: Part[] = [];
  let startTime: bigint | null = null;
  let ticks = 0n;

  const close = () => {
    if (!parts.length || startTime === null) return;
    options.segment({
      sequence,
      parts,
      durationSeconds: Number(ticks) / timescale,
      decodeTime: startTime,
    });
    sequence++;
    parts = [];
    startTime = null;
    ticks = 0n;
  };

  return {
    push(fragment) {
      const reached = Number(ticks) / timescale >= options.segmentSeconds - EARLY_SECONDS;
      if (parts.length && fragment.independent && reached) close();
      startTime ??= fragment.decodeTime;
      const part: Part = {
        index: parts.length,
        segment: sequence,
        bytes: fragment.bytes,
        durationSeconds: Number(fragment.duration) / timescale,
        independent: fragment.independent,
      };
      parts.push(part);
      ticks += fragment.duration;
      options.part(part);
    },
    flush: close,
  };
}
