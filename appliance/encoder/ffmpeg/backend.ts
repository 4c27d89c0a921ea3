// What differs between encoder hardware, and nothing else: the ladder's shape (one decode,
// split, one HLS output per rendition, keyframes on segment boundaries, AAC audio) is the
// same for all of them and lives in argv.ts. Software (x264/libvpx) is backends/software.ts;
// vaapi, nvenc and qsv become sibling modules implementing this interface:
// e.g. vaapi returns `-hwaccel vaapi -hwaccel_output_format vaapi` from inputArgs() so the
// decoded frames stay on the GPU, `scale_vaapi=w=…:h=…:format=nv12` from scaleFilter() and
// `-c:v h264_vaapi …` from videoEncoderArgs().
import type { PlannedVideo } from './ladder_plan.ts';

export type VideoCodec = PlannedVideo['codec'];

export interface VideoBackend {
  /** For logs and config, e.g. 'software', 'vaapi'. */
  readonly name: string;
  /** The codecs this backend can encode; argv.ts refuses a ladder asking for another. */
  readonly codecs: readonly VideoCodec[];
  /** Options before `-i` (hardware decode and device); empty for software. */
  inputArgs(): string[];
  /**
   * The filter chain (filter_complex syntax, no labels) that turns one decoded branch into
   * `width`×`height` frames this backend's encoder accepts, e.g. `scale=854:480`.
   */
  scaleFilter(width: number, height: number): string;
  /**
   * Every option of the video encoder for rendition `r`, each carrying
   * `outputStreamSpecifier` (e.g. `v:0`): codec, rate control, and a closed GOP of exactly
   * `gopFrames` frames with keyframes forced every `segmentSeconds` of output time, so all
   * renditions cut their segments on the same frames.
   */
  videoEncoderArgs(
    r: PlannedVideo,
    outputStreamSpecifier: string,
    gopFrames: number,
    segmentSeconds: number,
  ): string[];
}
