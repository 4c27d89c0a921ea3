// GStreamer structures and caps read as their text form. node-gtk can hand out GValues,
// but lists (the level element's per-channel arrays) come through awkwardly; the
// serialised text is stable and documented, so the worker parses that.
import type { ChannelLevel } from '../status.ts';

/** `level` element message → one entry per channel; null if it is some other message. */
export function parseLevelMessage(text: string): ChannelLevel[] | null {
  if (!text.startsWith('level,')) return null;
  const rms = doubleList(text, 'rms');
  const peak = doubleList(text, 'peak');
  if (!rms || !peak || rms.length !== peak.length) return null;
  return rms.map((rmsDb, i) => ({ rmsDb: clampDb(rmsDb), peakDb: clampDb(peak[i]!) }));
}

function doubleList(text: string, field: string): number[] | null {
  const match = new RegExp(
    `[ ,]${field}=\\(GValueArray\\)< ([^>]*) >|[ ,]${field}=\\(double\\)\\{ ([^}]*) \\}`,
  )
    .exec(text);
  const body = match?.[1] ?? match?.[2];
  if (body === undefined) return null;
  return body.split(',').map((part) => Number(part.trim().replace(/^\(double\)/, '')));
}

/** Silence is −∞ dB (or NaN for no samples); the wire carries −200…10. */
function clampDb(value: number): number {
  if (!Number.isFinite(value)) return -200;
  return Math.min(10, Math.max(-200, Math.round(value * 10) / 10));
}

/** Caps → "1920x1080 25i" / "1280x720 29.97p" (+ " MJPEG" for compressed grabbers). */
export function describeVideoCaps(caps: string): string | null {
  const width = /width=\(int\)(\d+)/.exec(caps)?.[1];
  const height = /height=\(int\)(\d+)/.exec(caps)?.[1];
  if (!width || !height) return null;
  const rate = /framerate=\(fraction\)(\d+)\/(\d+)/.exec(caps);
  const fps = rate ? Number(rate[1]) / Number(rate[2]) : null;
  const mode = /interlace-mode=\(string\)([a-z-]+)/.exec(caps)?.[1] ?? 'progressive';
  const scan = mode === 'progressive' ? 'p' : 'i';
  const fpsText = fps === null || !Number.isFinite(fps) || fps === 0
    ? ''
    : ` ${Number.isInteger(fps) ? fps : fps.toFixed(2)}${scan}`;
  const codec = caps.startsWith('image/jpeg') ? ' MJPEG' : '';
  return `${width}x${height}${fpsText}${codec}`;
}

export interface RtmpStats {
  outBytes: number;
  ackedBytes: number;
  inBytes: number;
  windowBytes: number;
}

/** rtmp2sink's `stats` structure (GstRtmpConnectionStats). */
export function parseRtmpStats(text: string): RtmpStats {
  const field = (name: string) =>
    Number(new RegExp(`${name}=\\([a-z0-9]+\\)(\\d+)`).exec(text)?.[1] ?? 0);
  return {
    outBytes: field('out-bytes-total'),
    ackedBytes: field('out-bytes-acked'),
    inBytes: field('in-bytes-total'),
    windowBytes: field('in-window-ack-size'),
  };
}

/** splitmuxsink's message when it opens a new file → the file's path. */
export function parseFragmentOpened(text: string): string | null {
  if (!text.startsWith('splitmuxsink-fragment-opened')) return null;
  const match = /location=\(string\)("(?:[^"\\]|\\.)*"|[^,;]+)/.exec(text);
  if (!match) return null;
  const raw = match[1]!;
  return raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
}
