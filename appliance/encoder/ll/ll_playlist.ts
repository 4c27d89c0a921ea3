// A rendition's low-latency media playlist (RFC 8216bis): the same segments as the
// standard playlist, plus the parts of the newest ones (EXT-X-PART), the parts of the
// segment being made, a hint at the next part (EXT-X-PRELOAD-HINT) and the server's
// promises (EXT-X-SERVER-CONTROL: blocking reload, how far behind live to play). Pure.

export interface LlPart {
  uri: string;
  durationSeconds: number;
  independent: boolean;
}

export interface LlSegment {
  uri: string;
  durationSeconds: number;
  /** ISO 8601, or null. */
  programDateTime: string | null;
  discontinuity: boolean;
  /** Init segment of its run. */
  map: string;
  /** Its parts, while they are still listed (empty once they are not kept). */
  parts: LlPart[];
}

export interface LlPlaylistInput {
  targetDuration: number;
  /** The longest a part may be (PART-TARGET); every listed part is at most this. */
  partTargetSeconds: number;
  mediaSequence: number;
  discontinuitySequence: number;
  segments: LlSegment[];
  /** Parts of the segment being made (after the last listed segment). */
  pendingParts: LlPart[];
  /**
   * When the segment being made starts a new run: its init segment, and whether a seam
   * comes before it (not for the very first media of the playlist).
   */
  pendingStartsRun?: { map: string; discontinuity: boolean } | null;
  /** The part the encoder writes next, for EXT-X-PRELOAD-HINT; null when none is coming. */
  nextPartUri: string | null;
  ended: boolean;
}

/**
 * How far behind the live edge a player should stay: the RFC's minimum is 2 × PART-TARGET
 * (it recommends at least 3 ×); the issue asks for at least 2.5 ×.
 */
export const PART_HOLD_BACK_PARTS = 3;

/** Parts are listed for segments this many target durations from the end (RFC: 3). */
const PARTS_KEPT_TARGET_DURATIONS = 3;

const seconds = (value: number) => String(Math.round(value * 1e5) / 1e5);

function partLine(part: LlPart): string {
  return `#EXT-X-PART:DURATION=${seconds(part.durationSeconds)},URI="${part.uri}"` +
    (part.independent ? ',INDEPENDENT=YES' : '');
}

export function renderLowLatencyPlaylist(input: LlPlaylistInput): string {
  const partHoldBack = PART_HOLD_BACK_PARTS * input.partTargetSeconds;
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:9',
    `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(input.targetDuration))}`,
    `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${seconds(partHoldBack)}`,
    `#EXT-X-PART-INF:PART-TARGET=${seconds(input.partTargetSeconds)}`,
    `#EXT-X-MEDIA-SEQUENCE:${input.mediaSequence}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${input.discontinuitySequence}`,
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  // Parts only near the end: the newest segments whose start is within the kept span.
  const keptSeconds = PARTS_KEPT_TARGET_DURATIONS * input.targetDuration;
  let fromEnd = input.pendingParts.reduce((sum, part) => sum + part.durationSeconds, 0);
  const withParts = new Set<number>();
  for (let i = input.segments.length - 1; i >= 0 && fromEnd < keptSeconds; i--) {
    withParts.add(i);
    fromEnd += input.segments[i]!.durationSeconds;
  }
  let map = '';
  input.segments.forEach((segment, i) => {
    if (segment.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (segment.map !== map) {
      lines.push(`#EXT-X-MAP:URI="${segment.map}"`);
      map = segment.map;
    }
    if (segment.programDateTime) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${segment.programDateTime}`);
    if (withParts.has(i)) lines.push(...segment.parts.map(partLine));
    lines.push(`#EXTINF:${segment.durationSeconds.toFixed(5)},`, segment.uri);
  });
  if (!input.ended) {
    const startsRun = input.pendingParts.length ? input.pendingStartsRun : null;
    if (startsRun?.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (startsRun && startsRun.map !== map) lines.push(`#EXT-X-MAP:URI="${startsRun.map}"`);
    lines.push(...input.pendingParts.map(partLine));
    if (input.nextPartUri) lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${input.nextPartUri}"`);
  } else {
    lines.push('#EXT-X-ENDLIST');
  }
  return `${lines.join('\n')}\n`;
}
