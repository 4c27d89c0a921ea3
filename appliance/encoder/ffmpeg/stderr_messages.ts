// ffmpeg's stderr (at `-loglevel level+info`) turned into messages an operator can act on.
// The patterns are a table kept as data, checked top to bottom, first match wins (order
// matters where lines overlap: "Error while decoding stream …: Invalid data found …").
// A message may carry one detail from the line (a path, an encoder name, a map), shown only
// if it looks harmless; whole raw lines are never passed on when they look like they carry
// a credential. Unmatched warnings are dropped: ffmpeg 5.1 prints some harmless ones all the
// time, e.g. the mp4 muxer's "Packet duration: -1 / dts: … is out of range" at segment
// boundaries of a copied stream with millisecond timestamps, and on the last AAC packet.
// Info lines (banners, "Opening … for writing") are never operator messages.
import { redactSecrets } from '../../../core/log.ts';

export type MessageSeverity = 'info' | 'warning' | 'fatal';

export interface FfmpegMessageRule {
  /** Tested against the whole line; capture group 1, if any, is the detail. */
  match: RegExp;
  message: string;
  severity: MessageSeverity;
}

export const FFMPEG_MESSAGES: readonly FfmpegMessageRule[] = [
  // Input: the local nginx-rtmp ingest.
  {
    match: /Connection refused/i,
    message: 'cannot connect to the local RTMP ingest (is nginx running?)',
    severity: 'fatal',
  },
  {
    match: /(?:Connection|Operation) timed out/i,
    message: 'the RTMP input timed out',
    severity: 'fatal',
  },
  {
    match: /Connection reset by peer/i,
    message: "the RTMP ingest dropped ffmpeg's connection",
    severity: 'fatal',
  },
  {
    match: /rtmps?:\/\/\S*: (?:Input\/output error|End of file)/i,
    message: 'the RTMP input could not be read (no publisher, or it went away)',
    severity: 'fatal',
  },
  {
    match: /Server error: ([^\r\n]+)/,
    message: 'the RTMP ingest refused to play the stream',
    severity: 'fatal',
  },
  // Before "Invalid data": ffmpeg appends that reason to the decoding error.
  {
    match: /Error while decoding stream/i,
    message: "damaged frames in the publisher's stream were skipped (packet loss upstream?)",
    severity: 'warning',
  },
  {
    match: /Invalid data found when processing input/i,
    message: 'the input is not a stream ffmpeg can read (not FLV/H.264/AAC, or cut off)',
    severity: 'fatal',
  },
  {
    match: /could not find codec parameters/i,
    message: "ffmpeg could not learn a stream's format while probing (no keyframe in time?)",
    severity: 'warning',
  },
  {
    match: /moov atom not found/i,
    message: 'the input is an MP4 without its index (a recording still being written or cut off)',
    severity: 'fatal',
  },
  {
    match: /Stream map '([^']*)' matches no streams/,
    message: "the publisher's stream lacks a track the ladder needs (audio or video missing)",
    severity: 'fatal',
  },
  {
    match: /Stream specifier '([^']*)' in filtergraph description .* matches no streams/,
    message: 'the input has no video stream (did the probe end before the first keyframe?)',
    severity: 'fatal',
  },
  // Timing.
  {
    match: /Non-monotonous DTS/i,
    message: "the publisher's timestamps went backwards (encoder restart or clock jump); patched",
    severity: 'warning',
  },
  {
    match: /non monotonically increasing dts/i,
    message: 'timestamps went backwards at an output; ffmpeg adjusted or dropped packets',
    severity: 'warning',
  },
  {
    match: /Past duration \S+ too large/i,
    message: 'frames arrive faster than the planned frame rate; the extra ones are dropped',
    severity: 'info',
  },
  {
    match: /More than \d+ frames duplicated/i,
    message: 'the input delivers fewer frames than planned; ffmpeg repeats frames',
    severity: 'warning',
  },
  {
    match: /(?:frames? dropped|dropping frames?)/i,
    message: 'frames are being dropped: the encoder is not keeping up (CPU overloaded?)',
    severity: 'warning',
  },
  {
    match: /Too many packets buffered for output stream/i,
    message: 'one output ran too far ahead of another (a stream of the input stalled)',
    severity: 'fatal',
  },
  // Outputs and disk.
  {
    match: /No space left on device/i,
    message: 'the disk holding the HLS files is full',
    severity: 'fatal',
  },
  {
    match: /^(?:.*?'?(\/[^\s'":]+))?.*Permission denied/i,
    message: 'ffmpeg was denied access to a file (check the HLS directory owner)',
    severity: 'fatal',
  },
  {
    match: /(?:Failed to open (?:segment|file)|Could not open file|Unable to open) '?([^'\s]+)'?/i,
    message: 'ffmpeg cannot create an output file (directory missing or not writable?)',
    severity: 'fatal',
  },
  {
    match: /No such file or directory/i,
    message: 'a file or directory ffmpeg needs does not exist',
    severity: 'fatal',
  },
  {
    match: /Broken pipe/i,
    message: "an output of ffmpeg's went away (broken pipe)",
    severity: 'fatal',
  },
  {
    match: /Could not write header/i,
    message: 'ffmpeg could not start an output (see the message before this one)',
    severity: 'fatal',
  },
  // Encoders and filters.
  {
    match: /Unknown encoder '([^']+)'/,
    message: 'this ffmpeg build lacks an encoder the ladder needs',
    severity: 'fatal',
  },
  {
    match:
      /Failed to initialise VAAPI|No VA display|No NVENC capable devices|Cannot load lib(?:cuda|nvidia-encode)|Device creation failed|(?:Error creating|Failed to create) a MFX session/i,
    message: "the hardware encoder's device is not available",
    severity: 'fatal',
  },
  {
    match: /Error while opening encoder|Error setting profile|invalid profile/i,
    message: 'an encoder refused its settings (bitrate, size or profile)',
    severity: 'fatal',
  },
  {
    match: /Error reinitializing filters|Error (?:configuring|initializing) (?:complex )?filters/i,
    message: 'the filters could not be set up (did the publisher change size or format?)',
    severity: 'fatal',
  },
  {
    match: /Cannot allocate memory/i,
    message: 'ffmpeg ran out of memory',
    severity: 'fatal',
  },
  {
    match: /Conversion failed!/,
    message: 'ffmpeg stopped: the conversion failed (see the message before this one)',
    severity: 'fatal',
  },
];

export interface OperatorMessage {
  message: string;
  severity: MessageSeverity;
}

const MAX_DETAIL = 160;

/**
 * The text if it may be shown: nothing the log redactor would touch, no URL with a query
 * or user info, no long run of letters and digits mixed (a key-like token). Else null.
 */
function showable(text: string): string | null {
  const trimmed = text.trim();
  if (!trimmed || trimmed.length > MAX_DETAIL) return null;
  if (redactSecrets(trimmed) !== trimmed) return null;
  if (/[?@]/.test(trimmed)) return null;
  for (const run of trimmed.match(/[A-Za-z0-9]{20,}/g) ?? []) {
    if (/[0-9]/.test(run) && /[A-Za-z]/.test(run)) return null;
  }
  return trimmed;
}

/** The operator message for one stderr line, or null when the line is not one of ours. */
export function operatorMessage(line: string): OperatorMessage | null {
  for (const rule of FFMPEG_MESSAGES) {
    const match = rule.match.exec(line);
    if (!match) continue;
    const detail = match[1] === undefined ? null : showable(match[1]);
    return {
      message: detail ? `${rule.message}: ${detail}` : rule.message,
      severity: rule.severity,
    };
  }
  return null;
}

/** ffmpeg's level tag on a line (`[error]`, or libx264's `x264 [error]:`), if any. */
function levelOf(line: string): string | null {
  return /\[(panic|fatal|error|warning|info|verbose|debug)\]/.exec(line)?.[1] ?? null;
}

/**
 * An error line no rule knows, reduced to its text (no `[mp4 @ 0x…]` context, no level tag)
 * and passed on only if showable; otherwise only that there was one.
 */
function unknownError(line: string, level: string): OperatorMessage {
  const text = line.replace(/\[[^\]]* @ 0x[0-9a-f]+\]\s*/gi, '').replace(/\[[a-z]+\]:?\s*/g, '');
  const shown = showable(text);
  return {
    message: shown
      ? `ffmpeg: ${shown}`
      : 'ffmpeg reported an error (not shown: it is long or looks like it carries a credential)',
    severity: level === 'error' ? 'warning' : 'fatal',
  };
}

export interface StderrMessage extends OperatorMessage {
  /** How often the same message was held back since it was last passed on. */
  repeated: number;
}

export interface StderrReaderOptions {
  /** A message repeated within this long after it was passed on is held back. */
  windowMs?: number;
  now?: () => number;
  /**
   * Every line ffmpeg tagged `[info]` (or lower): its banners and file openings, never an
   * operator message (a publisher's metadata is printed there, as the publisher wrote it).
   */
  onInfoLine?: (line: string) => void;
}

export interface StderrReader {
  /** Feeds stderr as it arrives; chunks may split lines anywhere. */
  push(chunk: string): void;
  /** ffmpeg exited: the last line, if it had no newline. */
  end(): void;
}

/**
 * Splits ffmpeg's stderr into lines and calls `onMessage` for each one that means something
 * to an operator: every table match, and error/fatal lines no rule knows. Lines tagged
 * `[info]` or lower go to `onInfoLine` only. The same message
 * again within `windowMs` (10 s) is counted, not repeated: a stalled or damaged input makes
 * ffmpeg print the same warning many times a second.
 */
export function createStderrReader(
  onMessage: (message: StderrMessage) => void,
  options: StderrReaderOptions = {},
): StderrReader {
  const windowMs = options.windowMs ?? 10_000;
  const now = options.now ?? Date.now;
  const last = new Map<string, { at: number; held: number }>();
  let pending = '';

  const line = (text: string) => {
    if (!text.trim()) return;
    const tagged = levelOf(text);
    if (tagged === 'info' || tagged === 'verbose' || tagged === 'debug') {
      options.onInfoLine?.(text);
      return;
    }
    let found = operatorMessage(text);
    if (!found) {
      if (tagged !== 'error' && tagged !== 'fatal' && tagged !== 'panic') return;
      found = unknownError(text, tagged);
    }
    const at = now();
    const seen = last.get(found.message);
    if (seen && at - seen.at < windowMs) {
      seen.held += 1;
      return;
    }
    last.set(found.message, { at, held: 0 });
    // Forget old messages so a long run does not keep every one it ever saw.
    if (last.size > 200) {
      for (const [key, value] of last) if (at - value.at >= windowMs) last.delete(key);
    }
    onMessage({ ...found, repeated: seen?.held ?? 0 });
  };

  return {
    push(chunk) {
      pending += chunk;
      const lines = pending.split(/\r\n|\n|\r/);
      pending = lines.pop() ?? '';
      if (pending.length > 8192) pending = pending.slice(-8192);
      for (const text of lines) line(text);
    },
    end() {
      const rest = pending;
      pending = '';
      line(rest);
    },
  };
}
