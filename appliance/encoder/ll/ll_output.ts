// One rendition of one ffmpeg run in low-latency mode: ffmpeg writes fragmented MP4 to a pipe
// (argv.ts), and this turns the bytes into the files and lists the rest of the encoder
// already knows: the init segment and `<run>-<n>.m4s` segments beside the playlist (the same
// names ffmpeg's HLS muxer gives them, so the public playlist, the slate, DASH and the
// janitor work unchanged), an in-memory "private playlist" in place of the one the HLS muxer
// writes, and, new, each part as its own file `<run>-<n>-p<k>.m4s` for EXT-X-PART.
//
// Files are written whole under a temporary name and renamed: whoever sees a name (nginx,
// a player) sees all of it. Writes are synchronous: a part is a fraction of a second of one
// rendition, and its name must exist before any playlist lists it.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initSegmentName, segmentFileName } from '../ffmpeg/argv.ts';
import type { ParsedPlaylist, ParsedSegment } from '../hls/playlist_parse.ts';
import { createFmp4StreamReader } from './fmp4_stream.ts';
import type { LlPart } from './ll_playlist.ts';
import { createPartCutter, EARLY_SECONDS, type Part } from './part_cutter.ts';

export interface LlOutputOptions {
  /** The rendition's directory (where its playlist is). */
  dir: string;
  runId: string;
  segmentSeconds: number;
  /** Entries of the private playlist (as the HLS muxer's -hls_list_size). */
  listSize: number;
  /** Wall clock (ms), for the program date times. */
  now?: () => number;
  /** A part was written: the playlist of the segment being made moves on. */
  onPart?(): void;
  /** A segment was completed: it is in privatePlaylist() from now on. */
  onSegment?(): void;
}

export interface LlOutput {
  /** Bytes from ffmpeg's pipe, in whatever chunks it gives them. */
  push(chunk: Uint8Array): void;
  /** The pipe closed: what was cut so far is the run's last segment. */
  end(): void;
  /** The complete segments so far (the newest listSize), or null before the first. */
  privatePlaylist(): ParsedPlaylist | null;
  /** Parts of a complete segment of this run, by its file name; undefined once dropped. */
  partsOf(segmentUri: string): LlPart[] | undefined;
  /** Parts of the segment being made. */
  pendingParts(): LlPart[];
  /** File names of every part still on hand (listed or about to be). */
  listedParts(): string[];
  /** The name the next part will have (EXT-X-PRELOAD-HINT), or null once ended. */
  nextPartUri(): string | null;
  /** Segments completed so far. */
  segmentCount(): number;
  /** Why the stream could not be read, or null. */
  failure(): string | null;
}

/**
 * ffmpeg cuts a fragment once it holds `partSeconds` of media (and at every keyframe): 6
 * frames at 30 fps, 5 at 25, 10 AAC frames (0.213 s) at 48 kHz. PART-TARGET, which no part
 * may exceed, leaves room for those and a publisher's jittered timestamps; players stay
 * 3 × PART-TARGET (0.75 s) behind the newest part.
 */
export const LOW_LATENCY_PARTS = { partSeconds: 0.2, partTargetSeconds: 0.25 } as const;

/** Completed segments whose parts stay listed and on hand (the playlist shows ~3 TDs). */
const SEGMENTS_WITH_PARTS = 8;

export function partFileName(runId: string, segment: number, part: number): string {
  return `${runId}-${segment}-p${part}.m4s`;
}

function writeWhole(path: string, bytes: Uint8Array | Uint8Array[]): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, Array.isArray(bytes) ? Buffer.concat(bytes) : bytes);
  renameSync(temporary, path);
}

export function createLlOutput(options: LlOutputOptions): LlOutput {
  const { dir, runId } = options;
  const now = options.now ?? Date.now;
  const segments: ParsedSegment[] = [];
  const partsBySegment = new Map<string, LlPart[]>();
  let pending: LlPart[] = [];
  let segmentsDone = 0;
  let ended = false;
  let failure: string | null = null;
  /** Wall clock of the first sample and its decode time: the run's date line. */
  let origin: { wallMs: number; decodeTime: bigint } | null = null;
  let timescale = 0;

  const asListed = (part: Part): LlPart => ({
    uri: partFileName(runId, part.segment, part.index),
    durationSeconds: part.durationSeconds,
    independent: part.independent,
  });

  let cutter: ReturnType<typeof createPartCutter> | null = null;
  const reader = createFmp4StreamReader({
    init(bytes, trackTimescale) {
      timescale = trackTimescale;
      writeWhole(join(dir, initSegmentName(runId)), bytes);
      cutter = createPartCutter({
        segmentSeconds: options.segmentSeconds,
        timescale,
        part(part) {
          writeWhole(join(dir, partFileName(runId, part.segment, part.index)), part.bytes);
          pending.push(asListed(part));
          options.onPart?.();
        },
        segment(segment) {
          const uri = segmentFileName(runId, segment.sequence);
          writeWhole(join(dir, uri), segment.parts.map((part) => part.bytes));
          const startMs = origin!.wallMs +
            (Number(segment.decodeTime - origin!.decodeTime) / timescale) * 1000;
          segments.push({
            uri,
            duration: segment.durationSeconds,
            programDateTime: new Date(startMs).toISOString(),
            sequence: segment.sequence,
            discontinuity: false,
            map: initSegmentName(runId),
          });
          segments.splice(0, segments.length - options.listSize);
          partsBySegment.set(uri, pending);
          for (const old of [...partsBySegment.keys()].slice(0, -SEGMENTS_WITH_PARTS)) {
            partsBySegment.delete(old);
          }
          pending = [];
          segmentsDone++;
          options.onSegment?.();
        },
      });
    },
    fragment(fragment) {
      // ffmpeg writes a fragment when the frame after it arrives: its first sample is
      // about its own length old.
      origin ??= {
        wallMs: now() - (Number(fragment.duration) / timescale) * 1000,
        decodeTime: fragment.decodeTime,
      };
      cutter?.push(fragment);
    },
  });

  return {
    push(chunk) {
      if (failure || ended) return;
      try {
        reader.push(chunk);
      } catch (error) {
        failure = (error as Error).message;
      }
    },
    end() {
      if (ended) return;
      ended = true;
      if (!failure) cutter?.flush();
    },
    privatePlaylist() {
      if (!segments.length) return null;
      return {
        targetDuration: Math.max(...segments.map((s) => Math.ceil(s.duration))),
        mediaSequence: segments[0]!.sequence,
        discontinuitySequence: 0,
        map: initSegmentName(runId),
        segments: segments.map((segment) => ({ ...segment })),
        ended,
      };
    },
    partsOf: (uri) => partsBySegment.get(uri),
    pendingParts: () => [...pending],
    listedParts: () =>
      [...partsBySegment.values(), pending].flatMap((parts) => parts.map((part) => part.uri)),
    nextPartUri() {
      if (ended || failure || !cutter) return null;
      // A segment that has its length ends at the next keyframe, which a transcoded rung
      // has exactly there (and every audio part is one): the next part is likely the next
      // segment's first. A wrong guess costs a player one request that waits in vain.
      const sofar = pending.reduce((sum, part) => sum + part.durationSeconds, 0);
      return sofar >= options.segmentSeconds - EARLY_SECONDS
        ? partFileName(runId, segmentsDone + 1, 0)
        : partFileName(runId, segmentsDone, pending.length);
    },
    segmentCount: () => segmentsDone,
    failure: () => failure,
  };
}
