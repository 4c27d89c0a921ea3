// Reads an HLS media playlist: ffmpeg's private one per run (to learn which segments are
// finished) and our own public index.m3u8 (to continue it after the agent restarts).
// Tolerant by design: unknown tags are skipped, EXTINF may come before or after
// EXT-X-PROGRAM-DATE-TIME (ffmpeg 5.1 writes EXTINF first), URIs are reduced to file names.

export interface ParsedSegment {
  /** File name only: ffmpeg may write a bare name or a path, the files sit side by side. */
  uri: string;
  duration: number;
  /** As written (ffmpeg writes `…+0000`); see programDateTimeMs. */
  programDateTime: string | null;
  /** Media sequence number of this segment in the playlist it came from. */
  sequence: number;
  /** An EXT-X-DISCONTINUITY precedes this segment. */
  discontinuity: boolean;
  /** File name of the EXT-X-MAP in effect for this segment, or null (TS segments). */
  map: string | null;
}

export interface ParsedPlaylist {
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence: number;
  /** The first EXT-X-MAP (file name), or null. */
  map: string | null;
  segments: ParsedSegment[];
  ended: boolean;
}

/**
 * Parses a media playlist. Throws only when the text is not a playlist at all (no #EXTM3U);
 * anything else odd is skipped: a segment without a usable EXTINF is dropped (its sequence
 * number is still consumed, so a consumer sees the gap). A last line without its newline is
 * ignored when it is a URI: a playlist read while a writer was mid-way may end in a cut
 * file name, and the next read will have the whole line.
 */
export function parseMediaPlaylist(text: string): ParsedPlaylist {
  const lines = text.split('\n');
  const unterminated = !text.endsWith('\n');
  if (lines[0]?.replace(/^\uFEFF/, '').trim() !== '#EXTM3U') {
    throw new Error('not an HLS playlist: the first line is not #EXTM3U');
  }
  const result: ParsedPlaylist = {
    targetDuration: 0,
    mediaSequence: 0,
    discontinuitySequence: 0,
    map: null,
    segments: [],
    ended: false,
  };
  let map: string | null = null;
  let duration: number | null = null;
  let programDateTime: string | null = null;
  let discontinuity = false;
  let uriCount = 0;

  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (!line.startsWith('#')) {
      if (unterminated && i === lines.length - 1) break;
      const sequence = result.mediaSequence + uriCount++;
      if (duration !== null) {
        result.segments.push({
          uri: fileName(line),
          duration,
          programDateTime,
          sequence,
          discontinuity,
          map,
        });
      }
      duration = null;
      programDateTime = null;
      discontinuity = false;
      continue;
    }
    const colon = line.indexOf(':');
    const tag = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1);
    switch (tag) {
      case '#EXTINF': {
        const seconds = Number.parseFloat(value.split(',')[0]!);
        duration = Number.isFinite(seconds) && seconds > 0 ? seconds : null;
        break;
      }
      case '#EXT-X-PROGRAM-DATE-TIME':
        programDateTime = value.trim() || null;
        break;
      case '#EXT-X-DISCONTINUITY':
        discontinuity = true;
        break;
      case '#EXT-X-MAP': {
        const uri = attributes(value).get('URI');
        map = uri ? fileName(uri) : null;
        result.map ??= map;
        break;
      }
      case '#EXT-X-TARGETDURATION':
        result.targetDuration = wholeNumber(value) ?? result.targetDuration;
        break;
      // Both apply to the first segment, so they only count before any URI.
      case '#EXT-X-MEDIA-SEQUENCE':
        if (uriCount === 0) result.mediaSequence = wholeNumber(value) ?? 0;
        break;
      case '#EXT-X-DISCONTINUITY-SEQUENCE':
        if (uriCount === 0) result.discontinuitySequence = wholeNumber(value) ?? 0;
        break;
      case '#EXT-X-ENDLIST':
        result.ended = true;
        break;
      default:
        // EXT-X-VERSION, EXT-X-INDEPENDENT-SEGMENTS, EXT-X-ALLOW-CACHE, EXT-X-PLAYLIST-TYPE,
        // comments…: nothing the stitcher needs.
        break;
    }
  }
  return result;
}

/**
 * Milliseconds since the epoch of an EXT-X-PROGRAM-DATE-TIME value, or null. Accepts
 * `Z`, `+00:00` and ffmpeg's `+0000`; the colon is put in first because only the RFC 3339
 * form is guaranteed by Date.parse.
 */
export function programDateTimeMs(value: string): number | null {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]\d\d:?\d\d)?$/i.exec(
    value.trim(),
  );
  if (!match) return null;
  const zone = match[2] ?? 'Z';
  const offset = /^[+-]\d{4}$/.test(zone) ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const ms = Date.parse(`${match[1]}${offset.toUpperCase()}`);
  return Number.isFinite(ms) ? ms : null;
}

/** The file name of a playlist URI: no directories, no query or fragment. */
export function fileName(uri: string): string {
  const path = uri.split(/[?#]/, 1)[0]!;
  return path.slice(path.lastIndexOf('/') + 1);
}

/** An HLS attribute list (`KEY=value,KEY="quoted, value"`). */
export function attributes(list: string): Map<string, string> {
  const found = new Map<string, string>();
  const pattern = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;
  for (const match of list.matchAll(pattern)) {
    const raw = match[2]!;
    found.set(match[1]!, raw.startsWith('"') ? raw.slice(1, -1) : raw);
  }
  return found;
}

function wholeNumber(value: string): number | null {
  const n = Number(value.trim());
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}
