// CPU encoding: libx264 for H.264 rungs, libvpx-vp9 for VP9 ones, swscale for sizes.
// Works on any node; the hardware backends are faster per watt but need their device.
import type { VideoBackend } from '../backend.ts';
import type { PlannedVideo } from '../ladder_plan.ts';

/** Peak rate allowed over the target: HLS's BANDWIDTH should be within ~10% of the peak. */
export const MAXRATE_FACTOR = 1.1;

/**
 * The keyframe options every encoder gets: a fixed GOP of `gopFrames`, no extra keyframes on
 * scene cuts, and a keyframe forced at the first frame at or after every multiple of
 * `segmentSeconds`. Forcing by output time (not only by frame count) is what lines the
 * renditions up with each other and with the HLS segmenter, whatever their frame rate, and
 * re-aligns them should a frame be dropped or duplicated. ffmpeg 5.1 counts `t` from the
 * first frame the encoder gets (ffmpeg_ladder_test.ts: a stream whose picture starts 1.5 s after
 * its audio has its keyframes at 1.5, 3.5, …), so every rung counts from the same frame and a
 * stream whose timestamps start late does not get a keyframe on every frame.
 */
function gopArgs(s: string, gopFrames: number, segmentSeconds: number): string[] {
  return [
    `-g:${s}`,
    String(gopFrames),
    `-keyint_min:${s}`,
    String(gopFrames),
    `-sc_threshold:${s}`,
    '0',
    `-force_key_frames:${s}`,
    `expr:gte(t,n_forced*${segmentSeconds})`,
  ];
}

function rateArgs(s: string, r: PlannedVideo): string[] {
  const maxrate = Math.round(r.videoKbps * MAXRATE_FACTOR);
  return [
    `-b:${s}`,
    `${r.videoKbps}k`,
    `-maxrate:${s}`,
    `${maxrate}k`,
    // About one second of peak rate: room for each segment's leading keyframe without
    // letting a segment's own rate stray far above maxrate.
    `-bufsize:${s}`,
    `${maxrate}k`,
  ];
}

export const softwareBackend: VideoBackend = {
  name: 'software',
  codecs: ['h264', 'vp9'],
  inputArgs: () => [],
  scaleFilter: (width, height) => `scale=${width}:${height}`,
  videoEncoderArgs(r, s, gopFrames, segmentSeconds) {
    if (r.codec === 'vp9') {
      return [
        `-c:${s}`,
        'libvpx-vp9',
        // Live: realtime mode at its fastest speed, rows encoded in parallel; libvpx's
        // defaults (good quality, cpu-used 1) are several times slower than real time.
        `-deadline:${s}`,
        'realtime',
        `-cpu-used:${s}`,
        '8',
        `-row-mt:${s}`,
        '1',
        `-pix_fmt:${s}`,
        'yuv420p',
        ...rateArgs(s, r),
        ...gopArgs(s, gopFrames, segmentSeconds),
      ];
    }
    return [
      `-c:${s}`,
      'libx264',
      `-preset:${s}`,
      'veryfast',
      // High for HD rungs; Main for the small ones, which are what old or weak devices pick.
      `-profile:${s}`,
      r.height >= 720 ? 'high' : 'main',
      // 8-bit 4:2:0 is what every player decodes, whatever the publisher sent.
      `-pix_fmt:${s}`,
      'yuv420p',
      ...rateArgs(s, r),
      ...gopArgs(s, gopFrames, segmentSeconds),
    ];
  },
};
