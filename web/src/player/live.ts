// Where playback is against the live edge: the badge, and seeking that stays in range.

/**
 * How far beyond the player's target latency still counts as live. hls.js aims at its
 * target (1.5 segments, 3 s by default, tuning.ts; PART-HOLD-BACK, 0.75 s, on LL-HLS) and
 * drifts around it by about a segment while playlists refresh; 3 s more than the target is
 * a delay a viewer would notice and want to skip, anything less is just how live HLS is.
 */
export const NEAR_LIVE_SLACK_S = 3;

/** Live unless we know the viewer is clearly behind (unknown counts as live: no false alarm). */
export function isNearLive(behindS: number | null, targetLatencyS: number | null): boolean {
  if (behindS === null) return true;
  return behindS <= (targetLatencyS ?? 0) + NEAR_LIVE_SLACK_S;
}

/** The badge text when behind: "−14 s", "−2:05". */
export function formatBehind(behindS: number): string {
  const seconds = Math.max(0, Math.round(behindS));
  if (seconds < 60) return `\u2212${seconds} s`;
  const rest = seconds % 60;
  return `\u2212${Math.floor(seconds / 60)}:${String(rest).padStart(2, '0')}`;
}

/** The same for screen readers. */
export function describeBehind(behindS: number): string {
  const seconds = Math.max(0, Math.round(behindS));
  return `${seconds} ${seconds === 1 ? 'second' : 'seconds'} behind live`;
}

/** `data-behind-live`: seconds with one decimal, '' when unknown. */
export function behindLiveAttribute(behindS: number | null): string {
  return behindS === null || !Number.isFinite(behindS) ? '' : behindS.toFixed(1);
}

/**
 * A frame dated this far in the future still counts as "just now": the capture clock that
 * stamps PROGRAM-DATE-TIME and the viewer's clock are two NTP clients that may disagree by
 * a little. More than that is a wrong clock, not a latency.
 */
export const LATENCY_CLOCK_SKEW_S = 1;
/** Older than this the date is not worth showing (a stale or bogus PROGRAM-DATE-TIME). */
export const LATENCY_MAX_S = 3600;

/**
 * Glass-to-glass latency: how old the frame on screen is, from its wall-clock date
 * (`playingDateMs`, the playlists' PROGRAM-DATE-TIME, i.e. the collector's capture clock)
 * and ours. Null when there is no date or the figure would be absurd.
 */
export function glassToGlassSeconds(playingDateMs: number | null, nowMs: number): number | null {
  if (playingDateMs === null || !Number.isFinite(playingDateMs)) return null;
  const seconds = (nowMs - playingDateMs) / 1000;
  if (seconds < -LATENCY_CLOCK_SKEW_S || seconds > LATENCY_MAX_S) return null;
  return Math.max(0, seconds);
}

/**
 * The latency on the badge: "1.2 s" below 10 s (where tenths are what a tuning changes),
 * "14 s" above, "1:05" from a minute.
 */
export function formatLatency(latencyS: number): string {
  const tenths = Math.round(latencyS * 10) / 10;
  if (tenths < 10) return `${tenths.toFixed(1)} s`;
  const seconds = Math.round(latencyS);
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** The same for screen readers: "1.2 seconds behind the camera" (no "1.0 seconds"). */
export function describeLatency(latencyS: number): string {
  const tenths = Math.round(latencyS * 10) / 10;
  const amount = tenths < 10 ? tenths : Math.round(latencyS);
  return `${amount} ${amount === 1 ? 'second' : 'seconds'} behind the camera`;
}

/** `data-latency`: seconds with three decimals, '' when unknown. */
export function latencyAttribute(latencyS: number | null): string {
  return latencyS === null || !Number.isFinite(latencyS) ? '' : latencyS.toFixed(3);
}

export interface TimeRange {
  start: number;
  end: number;
}

/**
 * Where a seek by `deltaS` from `currentS` lands: inside the seekable range, and a forward
 * seek stops at the live position (past it the player would run out of media at once).
 * Null when nothing is seekable yet.
 */
export function seekTarget(
  currentS: number,
  deltaS: number,
  range: TimeRange | null,
  livePositionS: number | null,
): number | null {
  if (!range) return null;
  let upper = range.end;
  if (deltaS > 0 && livePositionS !== null) {
    upper = Math.max(currentS, Math.min(upper, livePositionS));
  }
  return Math.min(Math.max(currentS + deltaS, range.start), upper);
}
