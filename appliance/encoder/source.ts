// What the publisher sends (size, frame rate, audio or not), which the ladder is planned
// from: no rendition above the source. nginx-rtmp knows it from the stream's onMetaData
// within a moment of the publish; publishers that send none are probed with ffprobe.
//
// nginx's figure can be wrong for a moment: it takes the size from the onMetaData and
// again from the SPS of the H.264 sequence header, and its SPS reader makes 640x352 of a
// 640x360 stream (cropping). GStreamer's flvmux sends the header after its metadata and
// metadata again some 100 ms later, so for that long nginx says 640x352 (seen in the e2e
// tests: the 360p rung was dropped as "above the source"). So a size counts once two
// reads some time apart agree.
import { execFile } from 'node:child_process';
import type { SourceInfo } from './ffmpeg/ladder_plan.ts';

export interface SourceMeta {
  video: { width: number; height: number; frameRate: number } | null;
  audio: unknown | null;
}

export function sourceFromMeta(meta: SourceMeta): SourceInfo | null {
  const video = meta.video;
  if (!video || !(video.width > 0) || !(video.height > 0)) return null;
  return {
    width: video.width,
    height: video.height,
    // Some encoders leave the rate out of their metadata; 30 is the common case.
    fps: video.frameRate > 0 ? video.frameRate : 30,
    hasAudio: meta.audio !== null,
  };
}

/** How far apart two agreeing reads of nginx's metadata must be before they count. */
export const SOURCE_SETTLE_MS = 250;

export interface SourceSettler {
  /**
   * One read of the publisher's metadata at `atMs` (null: none yet). Returns the source
   * once a read agrees with an earlier one at least `settleMs` before it, with nothing
   * different read in between; null until then.
   */
  offer(source: SourceInfo | null, atMs: number): SourceInfo | null;
  /** The last source read, settled or not (for when time runs out). */
  latest(): SourceInfo | null;
}

export function createSourceSettler(settleMs = SOURCE_SETTLE_MS): SourceSettler {
  let candidate: { source: SourceInfo; since: number } | null = null;
  const same = (a: SourceInfo, b: SourceInfo) =>
    a.width === b.width && a.height === b.height && a.fps === b.fps &&
    a.hasAudio === b.hasAudio;
  return {
    offer(source, atMs) {
      if (!source) return null;
      if (!candidate || !same(candidate.source, source)) {
        candidate = { source, since: atMs };
        return null;
      }
      return atMs - candidate.since >= settleMs ? candidate.source : null;
    },
    latest: () => candidate?.source ?? null,
  };
}

interface ProbeStream {
  codec_type?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
}

function parseRate(rate: string | undefined): number {
  const [num, den] = (rate ?? '').split('/').map(Number);
  return num && den ? num / den : 0;
}

/** ffprobe the live input (a few seconds at most); throws when it has no video. */
export function probeSource(inputUrl: string, ffprobePath = 'ffprobe'): Promise<SourceInfo> {
  return new Promise((resolve, reject) => {
    execFile(
      ffprobePath,
      ['-v', 'error', '-rw_timeout', '5000000', '-show_streams', '-of', 'json', inputUrl],
      { timeout: 8000 },
      (error, stdout) => {
        if (error) return reject(new Error(`ffprobe could not read the ingest: ${error.message}`));
        let streams: ProbeStream[] = [];
        try {
          streams = (JSON.parse(stdout) as { streams?: ProbeStream[] }).streams ?? [];
        } catch {
          return reject(new Error('ffprobe printed no stream list'));
        }
        const video = streams.find((s) => s.codec_type === 'video');
        if (!video?.width || !video.height) return reject(new Error('the ingest has no video'));
        resolve({
          width: video.width,
          height: video.height,
          fps: parseRate(video.avg_frame_rate) || parseRate(video.r_frame_rate) || 30,
          hasAudio: streams.some((s) => s.codec_type === 'audio'),
        });
      },
    );
  });
}
