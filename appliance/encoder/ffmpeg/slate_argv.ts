// The "be right back" slate of a room's ladder, rendered once by ffmpeg from a colour
// source and silence: per rendition, two segments of exactly one GOP each, with the
// codec, size, frame rate, GOP and audio parameters of the rendition it stands in for (the
// passthrough gets the source's size as H.264). While a publisher is away the room's
// pipeline lists copies of them, moved along the timeline (hls/slate.ts), so players go on
// playing a picture that says what is happening instead of stalling on an old frame.
import type { VideoBackend } from './backend.ts';
import { audioArgs, fpsValue, gopFrames, hlsArgs } from './argv.ts';
import { type PlannedRendition, type PlannedVideo, sourceRung } from './ladder_plan.ts';

/** The slate's file prefix, where a run would put its runId. */
export const SLATE_PREFIX = 'slate';

/** What the slate says. */
export const SLATE_TEXT = 'Be right back';

export interface SlateJob {
  /** The plan of the run the slate stands in for (its renditions, in order). */
  renditions: PlannedRendition[];
  segmentSeconds: number;
  /** Rendition `r` goes to `<dir>/<r>/slate.m3u8`, `slate-init.mp4`, `slate-<n>.m4s`. */
  dir: string;
}

/** Segments the slate renders: the second tells how long the first lasts in media time. */
export const SLATE_SEGMENTS = 2;

/** The rendition the slate encodes for `r`: the passthrough as H.264 at the source's size. */
function slateVideo(r: PlannedRendition): PlannedVideo | null {
  if (r.kind === 'copy') return sourceRung(r.name, r);
  return r.kind === 'video' ? r : null;
}

/** Every argument after `ffmpeg` that renders the slate of `job`. */
export function buildSlateArgv(job: SlateJob, backend: VideoBackend): string[] {
  const slated = job.renditions.map((r) => ({ r, video: slateVideo(r) }));
  const videos = slated.flatMap(({ video }) => (video ? [video] : []));
  const audio = job.renditions.find((r) => r.kind === 'audio');
  if (!videos.length && !audio) throw new Error('a slate needs at least one rendition');
  const seconds = String(SLATE_SEGMENTS * job.segmentSeconds);
  const argv = ['-hide_banner', '-loglevel', 'level+warning', '-nostdin', '-y'];
  if (videos.length) {
    // One picture at the largest size and rate, scaled and re-timed per rendition.
    const width = Math.max(...videos.map((r) => r.width));
    const height = Math.max(...videos.map((r) => r.height));
    const fps = Math.max(...videos.map((r) => r.fps));
    argv.push('-f', 'lavfi', '-i', `color=c=0x1b2838:s=${width}x${height}:r=${fpsValue(fps)}`);
  }
  if (audio) argv.push('-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo');
  if (videos.length) {
    const text = `drawtext=font=Sans:text=${SLATE_TEXT}:fontcolor=white:fontsize=h/10` +
      ':x=(w-text_w)/2:y=(h-text_h)/2';
    argv.push(
      '-filter_complex',
      [
        `[0:v]${text},split=${videos.length}${videos.map((_, i) => `[t${i}]`).join('')}`,
        ...videos.map((r, i) =>
          `[t${i}]fps=${fpsValue(r.fps)},${backend.scaleFilter(r.width, r.height)},setsar=1[v${i}]`
        ),
      ].join(';'),
    );
  }
  const output = { segmentSeconds: job.segmentSeconds, roomDir: job.dir, runId: SLATE_PREFIX };
  for (const { r, video } of slated) {
    if (video) {
      argv.push(
        '-map',
        `[v${videos.indexOf(video)}]`,
        ...backend.videoEncoderArgs(
          video,
          'v:0',
          gopFrames(video.fps, job.segmentSeconds),
          job.segmentSeconds,
        ),
      );
    } else if (r.kind === 'audio') {
      argv.push('-map', `${videos.length ? 1 : 0}:a:0`, ...audioArgs(r.audioKbps));
    } else continue;
    argv.push('-t', seconds, ...hlsArgs(output, r.name));
  }
  return argv;
}
