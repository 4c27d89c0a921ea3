// The public playlist of one rendition, stitched from ffmpeg's private playlists. ffmpeg is
// restarted as a new "run" (new file prefix, its own sequence from 0) whenever it dies,
// stalls or the publisher reconnects; viewers must not notice more than a seam. So the
// public media sequence only ever grows, every run starts with EXT-X-DISCONTINUITY and its
// own EXT-X-MAP, and EXT-X-DISCONTINUITY-SEQUENCE counts the seams that scrolled away, as
// RFC 8216 §6.2.2 requires of a live playlist that removes segments.
//
// Program date times: ffmpeg stamps a run's segments from its own clock, taken when its
// muxer starts — well after the first frame was captured. When the publisher sends its
// capture clock (core/wire/capture_clock.ts), the caller passes the capture time of the
// run's first frame, and the whole run is moved by one shift so that segment 0 starts
// there: every later segment keeps ffmpeg's spacing, which comes from the media
// timestamps. Without it (other publishers) ffmpeg's clock stays.
//
// Pure state: the caller reads files, hands over parsed playlists and sizes, writes what
// render() returns and deletes what expired() returns.
import type { ParsedPlaylist, ParsedSegment } from './playlist_parse.ts';
import { parseMediaPlaylist, programDateTimeMs } from './playlist_parse.ts';

export interface StitchedSegment {
  /** File name, beside index.m3u8. */
  uri: string;
  duration: number;
  /** ISO 8601 in UTC (`…Z`): ffmpeg's `+0000` form is not valid RFC 3339. */
  programDateTime: string;
  runId: string;
  /** Public media sequence number. */
  sequence: number;
  /** Starts a new run (or follows a gap): the timestamps do not continue. */
  discontinuity: boolean;
  /** Init segment file name; '' for segments without one (TS). */
  map: string;
  /** Size in bytes, when the caller knew it. */
  bytes?: number;
}

export interface PlaylistHeader {
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence: number;
}

export interface RenditionPlaylistOptions {
  /** The configured segment duration, seconds: the least EXT-X-TARGETDURATION. */
  targetDuration: number;
  /** Segments in the public playlist. */
  windowSegments: number;
  /** Segments kept on disk after they left the playlist, for players a little behind. */
  keepExtraSegments: number;
  /** Wall clock, for a program date time ffmpeg did not give. */
  now?: () => number;
}

export interface RenditionPlaylist {
  /**
   * Takes the current state of a run's private playlist; returns the segments appended to
   * the public one (those not seen before). A run other than the current one starts a new
   * run (its first segment gets a discontinuity unless nothing was ever published); a run
   * that was already replaced is ignored, so a late read of a dead run's playlist cannot
   * put old media after new. Ingesting after end() reopens the playlist (the room came
   * back), after a discontinuity.
   */
  ingest(
    runId: string,
    parsed: ParsedPlaylist,
    bytesOf?: (uri: string) => number,
    captureStartMs?: number | null,
  ): StitchedSegment[];
  /** The public playlist text. */
  render(): string;
  /**
   * File names (segments, then init segments no kept segment needs) that fell out of the
   * window plus keepExtraSegments since the last call. Each name is returned once.
   */
  expired(): string[];
  /** The event is over: render() ends with EXT-X-ENDLIST. */
  end(): void;
  /**
   * Continues a public playlist this rendition wrote before (the agent restarted): the
   * sequence, discontinuity sequence and window go on from it. Returns false (and starts
   * empty) when the text is not a playlist.
   */
  restore(text: string, bytesOf?: (uri: string) => number): boolean;
  /**
   * Peak segment bit rate as RFC 8216 defines it for BANDWIDTH: the highest rate of any
   * contiguous run of segments lasting 0.5 to 1.5 target durations, over every segment with
   * a known size since creation (or restore). null until one is known.
   */
  peakBitsPerSecond(): number | null;
  /** Mean bit rate of every segment with a known size (AVERAGE-BANDWIDTH), or null. */
  averageBitsPerSecond(): number | null;
  /** The segments render() lists, oldest first (copies). */
  window(): StitchedSegment[];
  /** The numbers render() heads the playlist with (the low-latency playlist's are the same). */
  header(): PlaylistHeader;
  /** Every segment still on disk: the kept ones before the window, then the window (copies). */
  history(): StitchedSegment[];
  /** Every file name still needed: window and kept segments and their init segments. */
  referencedFiles(): Set<string>;
  isEnded(): boolean;
  /** The run whose segments come next, or null. */
  currentRunId(): string | null;
  /**
   * What the current run's program date times were moved by (ms, capture time minus
   * ffmpeg's): null when ffmpeg's clock is kept, undefined before the run's first segment.
   */
  currentRunShiftMs(): number | null | undefined;
}

/**
 * How much earlier than ffmpeg's stamp a capture time may lie and still be believed: the
 * collector may hold ~10 s of stream while its uplink is slow, and ffmpeg stamps only
 * after its probe. A capture time after ffmpeg's stamp is a collector clock that runs
 * ahead (the frame cannot have been captured after ffmpeg had it).
 */
export const MAX_CAPTURE_LEAD_MS = 20_000;

/**
 * The shift from ffmpeg's program date time of a run's segment 0 to its capture time, or
 * null when the two clocks cannot both be right (then ffmpeg's stays).
 */
export function captureShiftMs(captureStartMs: number, ffmpegStartMs: number): number | null {
  const shift = captureStartMs - ffmpegStartMs;
  return Number.isFinite(shift) && shift <= 0 && shift >= -MAX_CAPTURE_LEAD_MS ? shift : null;
}

interface CurrentRun {
  id: string;
  /** ffmpeg's sequence number of the last segment taken from this run. */
  lastSourceSequence: number | null;
  /** After restore: the last file name published of this run; its source sequence is unknown. */
  lastUri: string | null;
  /** Added to ffmpeg's dates of this run (ms); null: none; undefined: not decided yet. */
  shiftMs?: number | null;
}

export function createRenditionPlaylist(options: RenditionPlaylistOptions): RenditionPlaylist {
  const windowSize = Math.max(1, Math.floor(options.windowSegments));
  const extra = Math.max(0, Math.floor(options.keepExtraSegments));
  const now = options.now ?? Date.now;

  /** Window and kept segments, oldest first; the last windowSize are the window. */
  let retained: StitchedSegment[] = [];
  let nextSequence = 0;
  /** Sequence number of the first window segment at the last slide. */
  let windowStart = 0;
  let discontinuitySequence = 0;
  let targetDuration = Math.max(1, Math.ceil(options.targetDuration));
  let current: CurrentRun | null = null;
  let replacedRuns = new Set<string>();
  let pendingDiscontinuity = false;
  let ended = false;
  let pendingExpired: string[] = [];
  let peak: number | null = null;
  let totalBits = 0;
  let totalSeconds = 0;

  const windowSegments = () => retained.slice(Math.max(0, retained.length - windowSize));

  /** Moves the window to the newest segments; drops what is past the kept extra. */
  const slide = () => {
    const first = Math.max(0, retained.length - windowSize);
    for (let i = 0; i < first; i++) {
      const segment = retained[i]!;
      if (segment.sequence >= windowStart && segment.discontinuity) discontinuitySequence++;
    }
    windowStart = retained[first]?.sequence ?? nextSequence;
    const drop = Math.max(0, retained.length - windowSize - extra);
    if (drop === 0) return;
    const gone = retained.slice(0, drop);
    retained = retained.slice(drop);
    const maps = new Set(retained.map((segment) => segment.map));
    const expiredMaps = new Set<string>();
    for (const segment of gone) {
      pendingExpired.push(segment.uri);
      if (segment.map && !maps.has(segment.map)) expiredMaps.add(segment.map);
    }
    pendingExpired.push(...expiredMaps);
  };

  /** Updates the peak with every qualifying run of segments that ends at the newest one. */
  const notePeak = () => {
    const last = retained.length - 1;
    const lower = 0.5 * targetDuration;
    const upper = 1.5 * targetDuration;
    let bits = 0;
    let seconds = 0;
    for (let i = last; i >= 0; i--) {
      const segment = retained[i]!;
      if (!segment.bytes) return; // sizes unknown: no run reaches further back
      bits += segment.bytes * 8;
      seconds += segment.duration;
      // No single segment is ever too long to count: TARGETDURATION grows with the longest.
      if (seconds > upper) return;
      if (seconds >= lower) peak = Math.max(peak ?? 0, bits / seconds);
    }
  };

  const append = (segment: StitchedSegment) => {
    retained.push(segment);
    nextSequence = segment.sequence + 1;
    targetDuration = Math.max(targetDuration, Math.round(segment.duration));
    if (segment.bytes) {
      totalBits += segment.bytes * 8;
      totalSeconds += segment.duration;
      notePeak();
    }
    slide();
  };

  const sizeOf = (bytesOf: ((uri: string) => number) | undefined, uri: string) => {
    const bytes = bytesOf?.(uri);
    return bytes !== undefined && Number.isFinite(bytes) && bytes > 0 ? bytes : undefined;
  };

  /**
   * Start of a segment ffmpeg gave no date for: right after the previous one within a run;
   * at a seam the wall clock is the better guess (the restart took time), taking the segment
   * as just finished, but never before the previous segment ended.
   */
  const derivedStart = (
    previous: StitchedSegment | undefined,
    discontinuity: boolean,
    remainingSeconds: number,
  ): number => {
    const previousEnd = previous
      ? Date.parse(previous.programDateTime) + previous.duration * 1000
      : null;
    if (previousEnd !== null && !discontinuity) return previousEnd;
    const guess = now() - remainingSeconds * 1000;
    return previousEnd === null ? guess : Math.max(previousEnd, guess);
  };

  /**
   * Decided once per run, at its first segment: only segment 0 of ffmpeg's playlist is
   * stamped at the moment the capture start belongs to (a later first segment means the
   * start of the run was missed, and its shift with it).
   */
  const decideShift = (run: CurrentRun, first: ParsedSegment, captureStartMs?: number | null) => {
    const ffmpegStart = startOf(first);
    run.shiftMs = captureStartMs != null && first.sequence === 0 && ffmpegStart !== null
      ? captureShiftMs(captureStartMs, ffmpegStart)
      : null;
  };

  const ingest: RenditionPlaylist['ingest'] = (runId, parsed, bytesOf, captureStartMs) => {
    if (replacedRuns.has(runId)) return [];
    if (current?.id !== runId) {
      if (current) replacedRuns.add(current.id);
      current = { id: runId, lastSourceSequence: null, lastUri: null };
      pendingDiscontinuity = nextSequence > 0;
    }
    const run = current;
    if (run.lastUri !== null) {
      // Restored mid-run: find where we left off, or call it a seam if it scrolled away.
      const seen = parsed.segments.find((segment) => segment.uri === run.lastUri);
      if (seen) run.lastSourceSequence = seen.sequence;
      else pendingDiscontinuity = true;
      run.lastUri = null;
    }
    const known = new Set(retained.map((segment) => segment.uri));
    const fresh = parsed.segments.filter((segment) =>
      (run.lastSourceSequence === null || segment.sequence > run.lastSourceSequence) &&
      !known.has(segment.uri)
    );
    if (fresh.length > 0 && ended) {
      // The room came back after its end: players that saw ENDLIST have stopped, new ones
      // play on from here, past a seam.
      ended = false;
      pendingDiscontinuity = nextSequence > 0;
    }
    const added: StitchedSegment[] = [];
    if (fresh.length > 0 && run.shiftMs === undefined) decideShift(run, fresh[0]!, captureStartMs);
    let remaining = fresh.reduce((sum, segment) => sum + segment.duration, 0);
    for (const source of fresh) {
      const previous = retained.at(-1);
      // ffmpeg's window slid past segments we never saw: the media jumps here.
      const gap = run.lastSourceSequence !== null && source.sequence > run.lastSourceSequence + 1;
      const discontinuity = pendingDiscontinuity || gap || source.discontinuity;
      const ffmpegStart = startOf(source);
      const startMs = ffmpegStart !== null
        ? ffmpegStart + (run.shiftMs ?? 0)
        : derivedStart(previous, discontinuity, remaining);
      const bytes = sizeOf(bytesOf, source.uri);
      const segment: StitchedSegment = {
        uri: source.uri,
        duration: source.duration,
        programDateTime: new Date(startMs).toISOString(),
        runId,
        sequence: nextSequence,
        discontinuity,
        map: source.map ?? parsed.map ?? '',
        ...(bytes === undefined ? {} : { bytes }),
      };
      append(segment);
      added.push({ ...segment });
      pendingDiscontinuity = false;
      run.lastSourceSequence = source.sequence;
      remaining -= source.duration;
    }
    return added;
  };

  const render = () => {
    const segments = windowSegments();
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      `#EXT-X-TARGETDURATION:${targetDuration}`,
      `#EXT-X-MEDIA-SEQUENCE:${segments[0]?.sequence ?? nextSequence}`,
      `#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuitySequence}`,
      '#EXT-X-INDEPENDENT-SEGMENTS',
    ];
    let map: string | null = null;
    for (const segment of segments) {
      if (segment.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      if (segment.map && segment.map !== map) lines.push(`#EXT-X-MAP:URI="${segment.map}"`);
      map = segment.map;
      lines.push(
        `#EXT-X-PROGRAM-DATE-TIME:${segment.programDateTime}`,
        `#EXTINF:${segment.duration.toFixed(3)},`,
        segment.uri,
      );
    }
    if (ended) lines.push('#EXT-X-ENDLIST');
    return lines.join('\n') + '\n';
  };

  const restore: RenditionPlaylist['restore'] = (text, bytesOf) => {
    let parsed: ParsedPlaylist;
    try {
      parsed = parseMediaPlaylist(text);
    } catch {
      return false;
    }
    retained = [];
    pendingExpired = [];
    replacedRuns = new Set();
    peak = null;
    totalBits = 0;
    totalSeconds = 0;
    nextSequence = parsed.mediaSequence;
    windowStart = parsed.mediaSequence;
    discontinuitySequence = parsed.discontinuitySequence;
    targetDuration = Math.max(targetDuration, parsed.targetDuration);
    ended = parsed.ended;
    pendingDiscontinuity = false;
    let previousRun: string | null = null;
    for (const source of parsed.segments) {
      const runId = runIdOf(source.map, source.uri);
      if (previousRun !== null && runId !== previousRun) replacedRuns.add(previousRun);
      previousRun = runId;
      const startMs = startOf(source) ??
        derivedStart(retained.at(-1), source.discontinuity, source.duration);
      const bytes = sizeOf(bytesOf, source.uri);
      append({
        uri: source.uri,
        duration: source.duration,
        programDateTime: new Date(startMs).toISOString(),
        runId,
        sequence: source.sequence,
        discontinuity: source.discontinuity,
        map: source.map ?? '',
        ...(bytes === undefined ? {} : { bytes }),
      });
    }
    const last = retained.at(-1);
    current = last ? { id: last.runId, lastSourceSequence: null, lastUri: last.uri } : null;
    return true;
  };

  return {
    ingest,
    render,
    expired() {
      const names = pendingExpired;
      pendingExpired = [];
      return names;
    },
    end() {
      ended = true;
    },
    restore,
    peakBitsPerSecond: () => peak,
    averageBitsPerSecond: () => (totalSeconds > 0 ? totalBits / totalSeconds : null),
    window: () => windowSegments().map((segment) => ({ ...segment })),
    header: () => ({
      targetDuration,
      mediaSequence: windowSegments()[0]?.sequence ?? nextSequence,
      discontinuitySequence,
    }),
    history: () => retained.map((segment) => ({ ...segment })),
    referencedFiles() {
      const names = new Set<string>();
      for (const segment of retained) {
        names.add(segment.uri);
        if (segment.map) names.add(segment.map);
      }
      return names;
    },
    isEnded: () => ended,
    currentRunId: () => current?.id ?? null,
    currentRunShiftMs: () => current?.shiftMs,
  };
}

function startOf(source: ParsedSegment): number | null {
  return source.programDateTime === null ? null : programDateTimeMs(source.programDateTime);
}

/** ffmpeg's files are `<runId>-init.mp4` and `<runId>-<n>.m4s`: the run is the prefix. */
function runIdOf(map: string | null, uri: string): string {
  const fromMap = map ? /^(.+)-init\.mp4$/.exec(map)?.[1] : undefined;
  return fromMap ?? /^(.+)-\d+\.[a-z0-9]+$/i.exec(uri)?.[1] ?? map ?? uri;
}
