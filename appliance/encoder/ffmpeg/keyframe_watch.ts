// Whether the publisher's keyframes fall where the ladder cuts its segments. The transcoded
// rungs get a keyframe forced every `segmentSeconds` from their first frame; the passthrough
// (`copy`) rung can only cut where the publisher put a keyframe. When the publisher's
// keyframes miss those points (OBS left at x264's default of 250 frames: one every 8.3 s at
// 30 fps), the passthrough's segments come out 8.3 s long, the renditions no longer switch
// cleanly, and the master playlist waits for the passthrough's first segment. The room's
// pipeline then re-encodes the source rung and tells the streamer what to set.
//
// The keyframes are seen inside the ladder's own ffmpeg, at no cost of its own: one more
// branch of the decoded picture keeps only keyframes (`select=key`) and prints each with
// `showinfo` (one line per keyframe, at info level) into a `nullsink`.

/** The filter chain (filter_complex syntax) for a branch of the decoded video. */
export const KEYFRAME_PROBE_CHAIN = 'select=key,showinfo,nullsink';

/** `[Parsed_showinfo_3 @ 0x…] [info] n:   1 pts:   8356 pts_time:8.356 …` → 8.356. */
const SHOWINFO_FRAME =
  /\[Parsed_showinfo_\d+ @ [^\]]*\](?: \[info\])? n:\s*\d+\s+pts:\s*-?\d+\s+pts_time:(-?[0-9.]+)/;

/** The keyframe time (seconds of stream time) of a showinfo frame line, or null. */
export function keyframeTimeOf(line: string): number | null {
  const match = SHOWINFO_FRAME.exec(line);
  if (!match) return null;
  const seconds = Number(match[1]);
  return Number.isFinite(seconds) ? seconds : null;
}

export type KeyframeVerdict = 'unknown' | 'aligned' | 'misaligned';

export interface KeyframeReport {
  verdict: KeyframeVerdict;
  /**
   * The publisher's keyframe interval in seconds (the longest seen between two keyframes),
   * or, before a second keyframe came, at least how long it is; null before anything.
   */
  intervalSeconds: number | null;
  /** True while intervalSeconds is only a lower bound (no second keyframe seen yet). */
  atLeast: boolean;
}

export interface KeyframeWatch {
  /**
   * nginx took ffmpeg on as a player of the stream at wall time `nowMs` (its `on_play`
   * hook). From here nginx holds the picture back until the publisher's next keyframe
   * (`wait_key on`), so a wait longer than a segment plus `joinGraceSeconds` (ffmpeg's probe
   * and decode) for the first one says the GOP is longer than a segment — a GOP before the
   * first keyframe is even seen. Counted from the play, not from ffmpeg's start: a busy
   * machine may take a second or more to start ffmpeg and connect, which says nothing
   * about the publisher. The first call counts.
   */
  joined(nowMs: number): void;
  /** A keyframe at `seconds` of stream time, printed by the probe at wall time `nowMs`. */
  keyframe(seconds: number, nowMs: number): void;
  /** ffmpeg's progress: its output time (`out_time`), which only runs while media flows. */
  progress(outTimeSeconds: number): void;
  /** The verdict as of wall time `nowMs`. */
  report(nowMs: number): KeyframeReport;
}

/**
 * How many grid points must have found their keyframe before the publisher counts as
 * aligned: two, so a GOP of twice the segment is caught at its first miss, not trusted.
 */
const ALIGNED_AFTER_POINTS = 2;

export interface KeyframeWatchOptions {
  segmentSeconds: number;
  /** How far from a grid point a keyframe may fall and still meet it (half a frame). */
  toleranceSeconds: number;
  /** How far stream time may run past a grid point with no keyframe before it is missed. */
  graceSeconds?: number;
  /** How long ffmpeg may take from the play to printing a keyframe (see `joined`). */
  joinGraceSeconds?: number;
}

/**
 * Watches keyframes against the grid `first + k * segmentSeconds` (k = 1, 2, …), as the
 * transcoded rungs cut. A grid point is met by a keyframe within `toleranceSeconds` of it
 * (keyframes in between are harmless: the segmenter cuts at the first keyframe at or after
 * its target). Missed: a keyframe came later than the point, or stream time went past the
 * point by `graceSeconds` with none. Stream time between keyframes is ffmpeg's output time,
 * not the wall clock: a publisher that stalls or leaves stops it, and must not read as a
 * long GOP.
 */
export function createKeyframeWatch(options: KeyframeWatchOptions): KeyframeWatch {
  const { segmentSeconds, toleranceSeconds } = options;
  // A whole segment: ffmpeg's output time (the passthrough is muxed as it arrives) runs
  // ahead of the probe's lines (decoded first) by a lag that grows on a busy machine; a
  // shorter grace read that lag as a missed keyframe. Nothing is lost by it: a keyframe
  // that comes late but within the grace is judged as it arrives (later than the point:
  // missed), so only a GOP longer than two segments waits the grace out.
  const grace = options.graceSeconds ?? segmentSeconds;
  const joinGraceSeconds = options.joinGraceSeconds ?? 2;
  const joinLimitMs = (segmentSeconds + joinGraceSeconds) * 1000;
  let joinedAtMs: number | null = null;
  let first: number | null = null;
  let last: { seconds: number; outTime: number } | null = null;
  let outTime = 0;
  let longest: number | null = null;
  let nextPoint = 1;
  let met = 0;
  let missed = false;
  /** Set when the wait for the first keyframe alone proved the GOP long: its lower bound. */
  let lateFirstSeconds: number | null = null;

  /**
   * Checks the next grid point against stream time `streamNow`, with `keyframeAt` the
   * keyframe that just came (null: only time went on). A keyframe meets at most one point.
   */
  const check = (streamNow: number, keyframeAt: number | null) => {
    if (missed || first === null) return;
    const point = first + nextPoint * segmentSeconds;
    if (keyframeAt !== null && Math.abs(keyframeAt - point) <= toleranceSeconds) {
      met++;
      nextPoint++;
    } else if (streamNow > point + toleranceSeconds + (keyframeAt === null ? grace : 0)) {
      missed = true;
    }
  };

  /** Before the first keyframe: has ffmpeg waited too long for it since it joined? */
  const checkJoin = (nowMs: number) => {
    if (missed || joinedAtMs === null) return;
    const waitedMs = nowMs - joinedAtMs;
    if (waitedMs <= joinLimitMs) return;
    missed = true;
    lateFirstSeconds = waitedMs / 1000 - joinGraceSeconds;
  };

  return {
    joined(nowMs) {
      joinedAtMs ??= nowMs;
    },
    keyframe(seconds, nowMs) {
      if (!Number.isFinite(seconds)) return;
      if (first === null) {
        checkJoin(nowMs);
        first = seconds;
        last = { seconds, outTime };
        return;
      }
      if (seconds <= last!.seconds) return; // a repeat, or time running backwards: ignore
      longest = Math.max(longest ?? 0, seconds - last!.seconds);
      check(seconds, seconds);
      last = { seconds, outTime };
    },
    progress(outTimeSeconds) {
      if (Number.isFinite(outTimeSeconds)) outTime = Math.max(outTime, outTimeSeconds);
    },
    report(nowMs) {
      if (first === null || last === null) {
        checkJoin(nowMs);
        return lateFirstSeconds === null
          ? { verdict: 'unknown', intervalSeconds: null, atLeast: false }
          : { verdict: 'misaligned', intervalSeconds: lateFirstSeconds, atLeast: true };
      }
      const sinceLast = Math.max(0, outTime - last.outTime);
      check(last.seconds + sinceLast, null);
      // The interval so far: the longest seen, or the wait for the next when that is longer.
      const waiting = longest === null || sinceLast > longest + toleranceSeconds;
      const intervalSeconds = waiting ? Math.max(sinceLast, lateFirstSeconds ?? 0) : longest!;
      const verdict: KeyframeVerdict = missed
        ? 'misaligned'
        : met >= ALIGNED_AFTER_POINTS
        ? 'aligned'
        : 'unknown';
      // Aligned: the keyframes meet the grid, so the interval is the one measured between
      // them. ffmpeg's output time runs ahead of the probe's lines by the encoders' delay,
      // more so on a busy machine, so the wait since the last one would overstate it.
      if (verdict === 'aligned') return { verdict, intervalSeconds: longest, atLeast: false };
      return { verdict, intervalSeconds, atLeast: waiting };
    },
  };
}

export interface SegmentLengthWatch {
  /** A segment of the passthrough rung, `seconds` long, as ffmpeg's playlist lists it. */
  segment(seconds: number): void;
  report(): KeyframeReport;
}

/**
 * For a ladder with no transcoded video rung, where nothing is decoded and so there is no
 * probe: the passthrough rung's own segments tell. ffmpeg cuts at the first keyframe at or
 * after each target, so a segment longer than the target (beyond `toleranceSeconds`) says
 * the keyframes are further apart; when the GOP is longer than a segment, as with OBS left
 * at its default, each segment is exactly one GOP, and its length is the interval.
 */
export function createSegmentLengthWatch(
  options: { segmentSeconds: number; toleranceSeconds: number },
): SegmentLengthWatch {
  let seen = 0;
  let longest = 0;
  return {
    segment(seconds) {
      if (!Number.isFinite(seconds) || seconds <= 0) return;
      seen++;
      longest = Math.max(longest, seconds);
    },
    report() {
      if (longest > options.segmentSeconds + options.toleranceSeconds) {
        return { verdict: 'misaligned', intervalSeconds: longest, atLeast: false };
      }
      return seen >= ALIGNED_AFTER_POINTS
        ? { verdict: 'aligned', intervalSeconds: longest, atLeast: false }
        : { verdict: 'unknown', intervalSeconds: null, atLeast: false };
    },
  };
}

/** "keyframe interval 8.3 s, set 2 s": what the streamer is told, as the big platforms do. */
export function keyframeAdvice(report: KeyframeReport, segmentSeconds: number): string | null {
  if (report.verdict !== 'misaligned' || report.intervalSeconds === null) return null;
  const interval = report.intervalSeconds.toFixed(1);
  const target = Number.isInteger(segmentSeconds)
    ? String(segmentSeconds)
    : segmentSeconds.toFixed(1);
  return report.atLeast
    ? `keyframe interval over ${interval} s, set ${target} s`
    : `keyframe interval ${interval} s, set ${target} s`;
}
