// The whole ffmpeg command line for one live room, as a pure function of the plan: one
// process reads the room's RTMP stream from nginx, decodes it once, splits the picture into
// every rung, encodes the audio once, and writes one fMP4 HLS output per rendition (video
// ones without audio: they share the audio rendition) into its own directory. The
// playlists ffmpeg writes are private (per run, named by runId); the agent reads them and
// writes the public index.m3u8 and master.m3u8 itself, so a restarted ffmpeg (a new run)
// never disturbs what viewers already have.
import { join } from 'node:path';
import type { VideoBackend } from './backend.ts';
import { KEYFRAME_PROBE_CHAIN } from './keyframe_watch.ts';
import type { PlannedRendition, PlannedVideo } from './ladder_plan.ts';

export interface LadderJob {
  /** e.g. rtmp://127.0.0.1:1935/live/<room>: by room id, never a stream key. */
  inputUrl: string;
  renditions: PlannedRendition[];
  /** HLS target duration and GOP length, in seconds. */
  segmentSeconds: number;
  /** <hlsRoot>/<room>; rendition r writes into `${roomDir}/${r.name}/`. */
  roomDir: string;
  /** Distinct per ffmpeg start (e.g. 'r000012'); every file of the run carries it. */
  runId: string;
  /**
   * Low-latency HLS: each rendition is written as fragmented MP4 of this many seconds per
   * fragment to its own pipe (rendition i to file descriptor 3 + i), for the agent to cut
   * into parts and segments (ll/ll_output.ts). Absent: ffmpeg's HLS muxer writes the files.
   */
  partSeconds?: number;
}

/** The file descriptor ffmpeg writes rendition `index`'s fragments to in low-latency mode. */
export function fragmentPipeFd(index: number): number {
  return 3 + index;
}

/** Entries in ffmpeg's private playlists: enough for the agent to poll at leisure. */
export const PRIVATE_LIST_SIZE = 10;

/** AAC-LC 48 kHz stereo: what every HLS player and MSE decode, at any of our rates. */
const AUDIO_SAMPLE_RATE = 48_000;
const AUDIO_CHANNELS = 2;

/**
 * Input options for a fast start from nginx-rtmp (a live FLV stream of H.264 and AAC),
 * measured against nginx-rtmp 1.2.2 and ffmpeg 5.1 (numbers in this directory's README).
 *
 * `-fpsprobesize 0`: for H.264 ffmpeg otherwise reads ~40 frames to guess the frame rate
 * before anything is encoded; we need no guess, every rung gets an fps filter.
 *
 * `-analyzeduration` (stream time, not wall time) ends the probe when a stream announced
 * by the FLV header has still not shown up — and ffmpeg's RTMP client always announces
 * both audio and video. Both of its failure modes were seen:
 * - With audio: nginx sends a new subscriber the audio at once but holds the video back
 *   until the publisher's next keyframe. A window shorter than that wait ends the probe
 *   without a video stream and ffmpeg exits ("matches no streams"). Probing stops as soon
 *   as both streams are there, so a wide window costs nothing: 10 s covers keyframe
 *   intervals up to about 10 s.
 * - Without audio (the plan knows): the probe waits the whole window for the audio that
 *   never comes, so the window is short; the video (from a keyframe) is found in it.
 *
 * Not used: `-fflags nobuffer`, which throws away the packets read while probing — the
 * first keyframe among them — so the picture would start a whole GOP later; small
 * `-probesize` values, which end the probe early just like a short window. All of these
 * are generic demuxer options, harmless for a file input (the tests use one).
 */
export function fastStartInputArgs(sourceHasAudio: boolean): string[] {
  return ['-fpsprobesize', '0', '-analyzeduration', sourceHasAudio ? '10000000' : '1000000'];
}

/** Whether the plan takes the source's audio (its one shared audio rendition). */
function usesAudio(renditions: readonly PlannedRendition[]): boolean {
  return renditions.some((r) => r.kind === 'audio');
}

/**
 * Whether the ladder's ffmpeg decodes the picture, and so carries the keyframe probe: only
 * when some rung is transcoded. A passthrough-only ladder decodes nothing.
 */
export function hasKeyframeProbe(renditions: readonly PlannedRendition[]): boolean {
  return renditions.some((r) => r.kind === 'video');
}

/** Where ffmpeg writes rendition `renditionName`'s private playlist in run `runId`. */
export function privatePlaylistPath(roomDir: string, renditionName: string, runId: string): string {
  return join(roomDir, renditionName, `${runId}.m3u8`);
}

/** The fMP4 init segment's file name (in the rendition's directory, beside the playlist). */
export function initSegmentName(runId: string): string {
  return `${runId}-init.mp4`;
}

/** Media segment `n` (0, 1, …) of run `runId`, as ffmpeg names it in the private playlist. */
export function segmentFileName(runId: string, n: number): string {
  return `${runId}-${n}.m4s`;
}

/** Frame count of one segment: the GOP every transcoded rung uses. */
export function gopFrames(fps: number, segmentSeconds: number): number {
  return Math.max(1, Math.round(fps * segmentSeconds));
}

/**
 * An fps filter value: integers as they are, NTSC-style rates (29.97, 59.94, 23.976) as
 * their exact n*1000/1001 fraction, anything else to the millisecond.
 */
export function fpsValue(fps: number): string {
  if (Number.isInteger(fps)) return String(fps);
  const ntsc = Math.round((fps * 1001) / 1000);
  if (Math.abs((ntsc * 1000) / 1001 - fps) < 0.005) return `${ntsc * 1000}/1001`;
  return String(Math.round(fps * 1000) / 1000);
}

/** The shared audio's encoder options: AAC-LC, 48 kHz stereo, at `kbps`. */
export function audioArgs(kbps: number): string[] {
  return [
    '-c:a:0',
    'aac',
    '-profile:a:0',
    'aac_low',
    '-ar:a:0',
    String(AUDIO_SAMPLE_RATE),
    '-ac:a:0',
    String(AUDIO_CHANNELS),
    '-b:a:0',
    `${kbps}k`,
  ];
}

/**
 * One rendition's fMP4 HLS output, into `<job.roomDir>/<name>/`, files named by job.runId.
 * Only segmentSeconds, roomDir and runId of the job are read.
 */
export function hlsArgs(
  job: Pick<LadderJob, 'segmentSeconds' | 'roomDir' | 'runId'>,
  name: string,
): string[] {
  const dir = join(job.roomDir, name);
  return [
    '-f',
    'hls',
    '-hls_segment_type',
    'fmp4',
    '-hls_time',
    String(job.segmentSeconds),
    '-hls_list_size',
    String(PRIVATE_LIST_SIZE),
    // No delete_segments: the agent decides when a segment has left every public playlist.
    // program_date_time: each segment's wall-clock time, which the agent carries over.
    // independent_segments: every segment starts with a keyframe (forced, see the backend).
    // temp_file: segments and the playlist are written as *.tmp and renamed when complete,
    // so whoever sees a segment, or a playlist naming it, sees all of it. Not so the init
    // segment: ffmpeg 5.1 creates it empty when the output starts and writes it in one go
    // just before the first segment. It is complete once a playlist exists.
    '-hls_flags',
    'program_date_time+independent_segments+temp_file',
    // A bare name: ffmpeg 5.1 puts the init segment in the playlist's directory, whatever
    // this says (an absolute path is appended to that directory too), and writes the name
    // as given into #EXT-X-MAP.
    '-hls_fmp4_init_filename',
    initSegmentName(job.runId),
    '-hls_segment_filename',
    join(dir, `${job.runId}-%d.m4s`),
    privatePlaylistPath(job.roomDir, name, job.runId),
  ];
}

/**
 * One rendition's fragmented MP4 on a pipe: the init segment (ftyp + an empty moov) first,
 * then a fragment (moof + mdat) every `partSeconds` and at each keyframe, so a keyframe
 * always starts a fragment and a segment can be cut there. default_base_moof: each
 * fragment's offsets count from its own moof, so a fragment stands alone as an LL-HLS part.
 * `-flush_packets 1`: each fragment leaves ffmpeg's I/O buffer as soon as it is complete,
 * not when 32 KiB have gathered.
 */
export function fragmentPipeArgs(partSeconds: number, fd: number): string[] {
  return [
    '-f',
    'mp4',
    '-movflags',
    '+empty_moov+default_base_moof+frag_keyframe+skip_trailer',
    '-frag_duration',
    String(Math.round(partSeconds * 1e6)),
    '-flush_packets',
    '1',
    `pipe:${fd}`,
  ];
}

function check(job: LadderJob, backend: VideoBackend): void {
  if (!Number.isFinite(job.segmentSeconds) || job.segmentSeconds <= 0) {
    throw new RangeError(`segmentSeconds must be a positive number, got ${job.segmentSeconds}`);
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(job.runId)) {
    throw new Error(`runId must be 1-64 letters, digits, _ or -, got ${JSON.stringify(job.runId)}`);
  }
  // The segment name is a printf-style pattern: a % of the directory's would be misread.
  if (job.roomDir.includes('%')) throw new Error('roomDir must not contain %');
  if (job.renditions.length === 0) throw new Error('a ladder needs at least one rendition');
  if (job.partSeconds !== undefined && !(job.partSeconds >= 0.05 && job.partSeconds <= 2)) {
    throw new RangeError(`partSeconds must be 0.05-2, got ${job.partSeconds}`);
  }
  const names = new Set<string>();
  for (const r of job.renditions) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(r.name) || names.has(r.name)) {
      throw new Error(`rendition name ${JSON.stringify(r.name)} is not a plain unique name`);
    }
    names.add(r.name);
    if (r.kind === 'video' && !backend.codecs.includes(r.codec)) {
      throw new Error(`the ${backend.name} backend cannot encode ${r.codec} (${r.name})`);
    }
  }
}

/**
 * The filter graph: one decode, split once per rung and once for the keyframe probe
 * (keyframe_watch.ts: the publisher's keyframes, one info line each), each rung through fps
 * and scale. setsar=1 because the even rounding of widths would otherwise leave
 * a sample aspect ratio like 640:641.
 *
 * Every rung gets the fps filter, also at the source's rate: ffmpeg 5.1 gives a video
 * encoder the time base 1/fps anyway, so frames land on that grid regardless; the filter
 * makes sure two jittered RTMP timestamps (whole milliseconds) never round onto the same
 * tick and that the rung really runs at the planned fps, which the master playlist
 * announces and the GOP is counted in. It goes before the scale so dropped frames are
 * never scaled.
 */
function filterGraph(videos: PlannedVideo[], backend: VideoBackend): string {
  const chains = [
    ...videos.map((r, i) =>
      `fps=${fpsValue(r.fps)},${backend.scaleFilter(r.width, r.height)},setsar=1[v${i}]`
    ),
    KEYFRAME_PROBE_CHAIN,
  ];
  return [
    `[0:v:0]split=${chains.length}${chains.map((_, i) => `[s${i}]`).join('')}`,
    ...chains.map((chain, i) => `[s${i}]${chain}`),
  ].join(';');
}

/**
 * Every argument after `ffmpeg` for one room's ladder. Progress (`key=value` blocks) goes to
 * stdout, for progress.ts; warnings and errors to stderr, for stderr_messages.ts.
 */
export function buildLadderArgv(job: LadderJob, backend: VideoBackend): string[] {
  check(job, backend);
  const argv = [
    '-hide_banner',
    // The level tag on each line lets the stderr reader tell warnings from errors. info,
    // not warning: the input banner (the publisher's metadata and first timestamp, see
    // input_banner.ts) is printed at info; so are a line per file opened, nothing more.
    '-loglevel',
    'level+info',
    // The progress lines below replace the \r status line, which is not line-based.
    '-nostats',
    '-progress',
    'pipe:1',
    // Never read stdin: ffmpeg would take bytes there as commands ('q' quits).
    '-nostdin',
    // Names are unique per run; a leftover of a reused runId must not stop a room going live.
    '-y',
    ...fastStartInputArgs(usesAudio(job.renditions)),
    ...backend.inputArgs(),
    '-i',
    job.inputUrl,
  ];

  const videos = job.renditions.filter((r): r is PlannedVideo => r.kind === 'video');
  if (hasKeyframeProbe(job.renditions)) argv.push('-filter_complex', filterGraph(videos, backend));

  job.renditions.forEach((r, index) => {
    switch (r.kind) {
      case 'copy':
        // The publisher's own video untouched: no CPU, full quality. Its segments can only
        // cut where the publisher put keyframes (the room's pipeline checks they fall on
        // the segment boundaries, and has it re-encoded when they do not).
        argv.push('-map', '0:v:0', '-c:v', 'copy');
        break;
      case 'video': {
        const segmentSeconds = job.segmentSeconds;
        argv.push('-map', `[v${videos.indexOf(r)}]`);
        // Frames go out as the filters timed them. ffmpeg's default for HLS, constant-rate
        // sync, would fill the gap between the input's start (often audio: nginx sends it
        // before the first video keyframe) and the first picture with copies of that
        // picture, so the rung's keyframes (counted from its first frame) would no longer
        // fall on the copy rendition's.
        argv.push('-fps_mode:v:0', 'passthrough');
        argv.push(
          ...backend.videoEncoderArgs(r, 'v:0', gopFrames(r.fps, segmentSeconds), segmentSeconds),
        );
        break;
      }
      case 'audio':
        // Encoded once for the whole ladder: every video rendition's variant plays it.
        argv.push('-map', '0:a:0', ...audioArgs(r.audioKbps));
        break;
    }
    argv.push(
      ...(job.partSeconds === undefined
        ? hlsArgs(job, r.name)
        : fragmentPipeArgs(job.partSeconds, fragmentPipeFd(index))),
    );
  });
  return argv;
}
