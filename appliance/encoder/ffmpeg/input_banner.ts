// ffmpeg's description of its input (`-loglevel level+info`), printed once the probe is
// done and before any output opens:
//
//   [info] Input #0, flv, from 'rtmp://127.0.0.1:1935/live/hall':
//   [info]   Metadata:
//   [info]     roomcastCaptureEpochMs: 1795238665002
//   [info]   Duration: N/A, start: 6.400000, bitrate: N/A
//   [info]   Stream #0:0: Video: h264 (High), yuv420p, 640x360, 30 fps, 30 tbr, 1k tbn
//   [info]   Stream #0:1: Audio: aac (LC), 48000 Hz, stereo, fltp
//
// `start` is the input's first timestamp (seconds, the publisher's own FLV timeline, which
// nginx-rtmp passes on), and Metadata is the publisher's onMetaData (nginx `meta copy`).
// Together with a collector's capture clock they say when the run's first frame was
// captured (core/wire/capture_clock.ts). Pure: the agent feeds it ffmpeg's info lines.
import { CAPTURE_EPOCH_KEY } from '../../../core/wire/capture_clock.ts';

export interface InputBanner {
  /** The input's first timestamp in seconds, or null when ffmpeg printed none. */
  startSeconds: number | null;
  /** The input's metadata as ffmpeg printed it (values as text). */
  metadata: Record<string, string>;
  /** Kinds of the input's streams, in order: 'Video', 'Audio', 'Subtitle', 'Data', … */
  streams: string[];
}

export interface InputBannerParser {
  /** One line of ffmpeg's stderr (with or without its level tag). */
  line(text: string): void;
}

/** ffmpeg's context and level tags at the start of a line: `[flv @ 0x…] [info] `. */
const PREFIX = /^(?:\[[^\]]* @ 0x[0-9a-f]+\]\s*)?(?:\[(?:info|verbose|debug|warning)\]\s?)?/i;

/**
 * Reads the banner of input #0 and calls `onBanner` once, at the first line after it (one
 * that is not indented: the output banners, the stream mapping, anything else). Output
 * banners repeat the metadata; they are not read.
 */
export function createInputBannerParser(
  onBanner: (banner: InputBanner) => void,
): InputBannerParser {
  let state: 'before' | 'input' | 'metadata' | 'done' = 'before';
  const banner: InputBanner = { startSeconds: null, metadata: {}, streams: [] };

  return {
    line(raw) {
      if (state === 'done') return;
      const text = raw.replace(PREFIX, '').replace(/\r$/, '');
      if (state === 'before') {
        if (/^Input #0, /.test(text)) state = 'input';
        return;
      }
      if (!text.startsWith('  ')) {
        state = 'done';
        onBanner(banner);
        return;
      }
      // Two spaces: the input's own lines. Four: its metadata entries. Deeper: a stream's
      // metadata and side data, and the continuation lines of long values.
      if (/^ {2}\S/.test(text)) state = 'input';
      if (text === '  Metadata:' && banner.streams.length === 0) {
        state = 'metadata';
        return;
      }
      const entry = /^ {4}(\S(?:.*?\S)?)\s*: (.*)$/.exec(text);
      if (state === 'metadata' && entry) {
        banner.metadata[entry[1]!] = entry[2]!.trim();
        return;
      }
      const start = /^ {2}Duration: .*?\bstart: (-?\d+(?:\.\d+)?)/.exec(text);
      if (start) banner.startSeconds = Number(start[1]);
      const stream = /^ {2}Stream #0:\d+(?:\[[^\]]*\])?(?:\([^)]*\))?: (\w+)/.exec(text);
      if (stream) banner.streams.push(stream[1]!);
    },
  };
}

export interface CaptureClock {
  /** The publisher's wall-clock time of FLV timestamp 0 (ms since the Unix epoch). */
  epochMs: number;
  /** The input's first timestamp (s). */
  startSeconds: number;
  /** When the run's first frame was captured: epoch + start (ms since the Unix epoch). */
  captureStartMs: number;
}

/**
 * The publisher's capture clock as this run sees it, or null. Only for an input of audio
 * and video alone: ffmpeg takes the start of a text or data stream as the input's start
 * when it is less than a second earlier, and its packets are not frames.
 */
export function captureClockOf(banner: InputBanner): CaptureClock | null {
  const epochText = banner.metadata[CAPTURE_EPOCH_KEY];
  if (epochText === undefined || banner.startSeconds === null) return null;
  if (!/^\d{1,16}(?:\.\d+)?$/.test(epochText)) return null;
  if (!banner.streams.includes('Video')) return null;
  if (!banner.streams.every((kind) => kind === 'Video' || kind === 'Audio')) return null;
  const epochMs = Number(epochText);
  const startSeconds = banner.startSeconds;
  if (!Number.isFinite(epochMs) || epochMs <= 0) return null;
  if (!Number.isFinite(startSeconds) || startSeconds < 0) return null;
  return { epochMs, startSeconds, captureStartMs: Math.round(epochMs + startSeconds * 1000) };
}
