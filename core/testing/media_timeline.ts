// Reads the timestamps of recorded media files with ffprobe, for tests that prove a
// segmented recording has no gaps: every frame of one file follows the previous one, and
// every file starts where the previous one ended.
//
// Assumptions:
// - The files are segments of one recording in order, and their timestamps continue
//   across files (MPEG-TS segments cut with `-reset_timestamps 0`). They do not start at
//   0: the MPEG-TS muxer starts at an offset (1.4 s by default, more with B-frames), so
//   times are compared with each other, never with 0.
// - Gaps are judged on the video stream. Packets come in decode order; with B-frames that
//   is not presentation order, so pts are sorted before steps are measured.
// - The 33-bit MPEG-TS clock wraps after 2^33 / 90 kHz ≈ 26.5 h. libavformat unwraps it
//   within a file; between files, a start more than half a wrap before the previous end is
//   taken as a wrap and unwrapped.
import { execFile } from 'node:child_process';

export interface VideoTimeline {
  codec: string;
  width: number;
  height: number;
  frames: number;
  /** Seconds, presentation time of the first frame shown. */
  firstPts: number;
  lastPts: number;
  /** lastPts plus that frame's duration: where the next file should start. */
  endPts: number;
  /** Largest pts step between consecutive frames in presentation order (0 for one frame). */
  maxGapSeconds: number;
  keyframes: number;
  /** Every frame's pts in presentation order, for locating steps. */
  framePts: number[];
}

export interface AudioTimeline {
  codec: string;
  firstPts: number;
  endPts: number;
  maxGapSeconds: number;
}

export interface MediaSegmentInfo {
  file: string;
  video: VideoTimeline;
  audio: AudioTimeline | null;
}

export interface ContinuityGap {
  /** The file in which the gap was found (for between-files: the one starting late or early). */
  file: string;
  /** Where the missing time begins, in seconds from the first frame of the first file. */
  atSeconds: number;
  /**
   * Time without frames. Between files it is signed: negative when a file starts before the
   * previous one ended (overlap, or timestamps that jumped back).
   */
  gapSeconds: number;
  kind: 'between-files' | 'within-file';
}

export interface ContinuityReport {
  /** Sum over files of endPts − firstPts of the video. */
  totalSeconds: number;
  gaps: ContinuityGap[];
}

/** Seconds of the 33-bit, 90 kHz MPEG-TS clock. */
const PTS_WRAP_SECONDS = 2 ** 33 / 90_000;
// pts_time is printed with 6 decimals and the TS clock ticks every 11 µs: allow for rounding.
const EPSILON = 1e-4;

interface ProbeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
}

interface ProbePacket {
  stream_index: number;
  pts_time?: string;
  duration_time?: string;
  flags?: string;
}

interface ProbeOutput {
  streams?: ProbeStream[];
  packets?: ProbePacket[];
}

export async function readMediaTimeline(
  files: string[],
  options: { ffprobePath?: string } = {},
): Promise<MediaSegmentInfo[]> {
  const ffprobe = options.ffprobePath ?? 'ffprobe';
  const result: MediaSegmentInfo[] = [];
  // One at a time: a long recording has many files, and each ffprobe reads a whole file.
  for (const file of files) result.push(toSegmentInfo(file, await probe(ffprobe, file)));
  return result;
}

function probe(ffprobe: string, file: string): Promise<ProbeOutput> {
  const args = [
    '-v',
    'error',
    '-show_entries',
    'packet=pts_time,duration_time,stream_index,flags',
    '-show_entries',
    'stream=index,codec_type,codec_name,width,height,avg_frame_rate,time_base',
    '-of',
    'json',
    file,
  ];
  return new Promise((resolve, reject) => {
    // An hour of 25 fps video plus audio is ~30 MB of JSON.
    execFile(ffprobe, args, { maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`ffprobe failed on ${file}: ${stderr.trim() || error.message}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as ProbeOutput);
      } catch (parseError) {
        reject(new Error(`ffprobe printed no JSON for ${file}: ${String(parseError)}`));
      }
    });
  });
}

function toSegmentInfo(file: string, output: ProbeOutput): MediaSegmentInfo {
  const streams = (output.streams ?? []).slice().sort((a, b) => a.index - b.index);
  const packets = output.packets ?? [];
  const videoStream = streams.find((stream) => stream.codec_type === 'video');
  if (!videoStream) throw new Error(`${file} has no video stream`);
  const video = timeline(packets, videoStream);
  if (!video) throw new Error(`${file} has no video frame with a timestamp`);
  const audioStream = streams.find((stream) => stream.codec_type === 'audio');
  const audio = audioStream ? timeline(packets, audioStream) : null;
  return {
    file,
    video: {
      codec: videoStream.codec_name ?? 'unknown',
      width: videoStream.width ?? 0,
      height: videoStream.height ?? 0,
      frames: video.pts.length,
      firstPts: video.firstPts,
      lastPts: video.lastPts,
      endPts: video.endPts,
      maxGapSeconds: video.maxGapSeconds,
      keyframes: video.keyframes,
      framePts: video.pts,
    },
    audio: audio && {
      codec: audioStream?.codec_name ?? 'unknown',
      firstPts: audio.firstPts,
      endPts: audio.endPts,
      maxGapSeconds: audio.maxGapSeconds,
    },
  };
}

function timeline(packets: ProbePacket[], stream: ProbeStream) {
  const frames: Array<{ pts: number; duration: number }> = [];
  let keyframes = 0;
  for (const packet of packets) {
    if (packet.stream_index !== stream.index) continue;
    if (packet.flags?.startsWith('K')) keyframes++;
    const pts = Number.parseFloat(packet.pts_time ?? '');
    if (!Number.isFinite(pts)) continue; // "N/A" or left out
    const duration = Number.parseFloat(packet.duration_time ?? '');
    frames.push({ pts, duration: Number.isFinite(duration) ? duration : 0 });
  }
  if (frames.length === 0) return null;
  frames.sort((a, b) => a.pts - b.pts);
  let maxGapSeconds = 0;
  for (let i = 1; i < frames.length; i++) {
    maxGapSeconds = Math.max(maxGapSeconds, frames[i]!.pts - frames[i - 1]!.pts);
  }
  const first = frames[0]!;
  const last = frames[frames.length - 1]!;
  const lastDuration = last.duration > 0 ? last.duration : frameDuration(stream, frames);
  return {
    pts: frames.map((frame) => frame.pts),
    firstPts: first.pts,
    lastPts: last.pts,
    endPts: round(last.pts + lastDuration),
    maxGapSeconds: round(maxGapSeconds),
    keyframes,
  };
}

/** A frame's duration when the packet does not say: from the frame rate, else the last step. */
function frameDuration(stream: ProbeStream, frames: Array<{ pts: number }>): number {
  const [num, den] = (stream.avg_frame_rate ?? '0/0').split('/').map(Number);
  if (num && den) return den / num;
  if (frames.length < 2) return 0;
  return frames[frames.length - 1]!.pts - frames[frames.length - 2]!.pts;
}

export function checkContinuity(
  segments: MediaSegmentInfo[],
  options: { frameSeconds: number },
): ContinuityReport {
  const { frameSeconds } = options;
  const gaps: ContinuityGap[] = [];
  let totalSeconds = 0;
  const origin = segments[0]?.video.firstPts ?? 0;
  let unwrap = 0; // added to every pts from the file on which the clock wrapped
  let previousEnd: number | null = null;
  for (const segment of segments) {
    const { video, file } = segment;
    totalSeconds += video.endPts - video.firstPts;
    if (previousEnd !== null) {
      let step = video.firstPts + unwrap - previousEnd;
      if (step < -PTS_WRAP_SECONDS / 2) {
        unwrap += PTS_WRAP_SECONDS;
        step += PTS_WRAP_SECONDS;
      }
      if (Math.abs(step) > frameSeconds + EPSILON) {
        gaps.push({
          file,
          atSeconds: round(previousEnd - origin),
          gapSeconds: round(step),
          kind: 'between-files',
        });
      }
    }
    const pts = video.framePts;
    for (let i = 1; i < pts.length; i++) {
      const step = pts[i]! - pts[i - 1]!;
      if (step > 1.5 * frameSeconds) {
        gaps.push({
          file,
          atSeconds: round(pts[i - 1]! + unwrap + frameSeconds - origin),
          gapSeconds: round(step - frameSeconds),
          kind: 'within-file',
        });
      }
    }
    previousEnd = video.endPts + unwrap;
  }
  return { totalSeconds: round(totalSeconds), gaps };
}

/** To the microsecond, so that sums of 6-decimal times do not print as 0.04000000000000001. */
function round(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}
