// The low-latency playlist of one rendition, as of now: the public playlist's segments (the
// same sequence numbers, seams and dates as index.m3u8), with the parts of the running
// ffmpeg's newest segments and of the segment it is making. Pure: the caller hands over
// the public playlist and the run's output.
import type { RenditionPlaylist } from '../hls/media_playlist.ts';
import { initSegmentName, segmentFileName } from '../ffmpeg/argv.ts';
import type { PlaylistEdge } from './blocking_reload.ts';
import type { LlOutput } from './ll_output.ts';
import type { LlPlaylistInput } from './ll_playlist.ts';

/** The running (or last) low-latency run of a rendition. */
export interface LlRun {
  runId: string;
  output: LlOutput;
}

export interface LlView {
  input: LlPlaylistInput;
  edge: PlaylistEdge;
}

export function lowLatencyView(
  playlist: RenditionPlaylist,
  run: LlRun | null,
  partTargetSeconds: number,
): LlView {
  const header = playlist.header();
  const window = playlist.window();
  const last = window.at(-1);
  const lastSequence = last ? last.sequence : header.mediaSequence - 1;
  const count = run?.output.segmentCount() ?? 0;
  // The run's parts follow the listed segments only while its newest complete segment is
  // the last one listed (not yet taken in: a moment at each boundary; or another run, such
  // as the slate, came after it). A run with no segment yet starts one of its own.
  const follows = run !== null &&
    (count === 0 || last?.uri === segmentFileName(run.runId, count - 1));
  const pendingParts = follows ? run.output.pendingParts() : [];
  return {
    input: {
      targetDuration: header.targetDuration,
      partTargetSeconds,
      mediaSequence: header.mediaSequence,
      discontinuitySequence: header.discontinuitySequence,
      segments: window.map((segment) => ({
        uri: segment.uri,
        durationSeconds: segment.duration,
        programDateTime: segment.programDateTime,
        discontinuity: segment.discontinuity,
        map: segment.map,
        parts: (segment.runId === run?.runId && run.output.partsOf(segment.uri)) || [],
      })),
      pendingParts,
      pendingStartsRun: follows && count === 0
        ? { map: initSegmentName(run.runId), discontinuity: last !== undefined }
        : null,
      nextPartUri: follows ? run.output.nextPartUri() : null,
      ended: playlist.isEnded(),
    },
    edge: { lastSequence, partsOfNext: pendingParts.length },
  };
}
