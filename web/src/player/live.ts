// Where playback is against the live edge: the badge, and seeking that stays in range.

/**
 * How far beyond the player's target latency still counts as live. hls.js aims at its
 * target (3 segments, 6 s by default) and drifts around it by about a segment while
 * playlists refresh; 3 s more than the target is a delay a viewer would notice and want to
 * skip, anything less is just how live HLS is.
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
