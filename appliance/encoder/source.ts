// What the publisher sends (size, frame rate, audio or not), which the ladder is planned
// from: no rendition above the source. nginx-rtmp knows it from the stream's onMetaData
// within a moment of the publish; publishers that send none are probed with ffprobe.
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
