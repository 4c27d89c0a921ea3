// The test source: a moving pattern with the wall clock burned in (UTC, microseconds) and
// the room's name, plus a quiet tone with a short beep on every second. The beep falls on
// the second the picture's clock turns over (the worker starts the pipeline on a whole
// second), so a viewer can check lip sync by ear and eye, and latency against a clock.
import { chain, prop } from '../gst_syntax.ts';
import { CAPTURE_ELEMENT, MIC_ELEMENT, type SourceChain } from './source.ts';

export interface TestPatternOptions {
  width: number;
  height: number;
  fps: number;
  room: string;
  /** Wall-clock time (ISO, UTC) of running time 0: what the burned-in clock counts from. */
  clockEpoch: string;
}

export function testPatternVideo(options: TestPatternOptions): SourceChain {
  const { width, height, fps } = options;
  const fontPoints = Math.max(8, Math.round(height / 24));
  return {
    head: chain(
      `videotestsrc name=${CAPTURE_ELEMENT} is-live=true pattern=smpte horizontal-speed=2`,
      `video/x-raw,width=${width},height=${height},framerate=${fps}/1`,
      [
        'timeoverlay time-mode=running-time show-times-as-dates=true',
        prop('datetime-epoch', options.clockEpoch),
        prop('datetime-format', '%H:%M:%S.%f UTC'),
        'halignment=left valignment=top',
        prop('font-desc', `Monospace ${fontPoints}`),
      ].join(' '),
      [
        'textoverlay',
        prop('text', `roomcast test pattern · ${options.room}`),
        'halignment=left valignment=bottom',
        prop('font-desc', `Sans ${fontPoints}`),
      ].join(' '),
    ),
    sideChains: [],
  };
}

/**
 * A muted mixer feed: live digital silence in the test tone's format, for trying the
 * silence alarm (collector.audio.kind silent) without unplugging anything.
 */
export function silentTestAudio(): SourceChain {
  return {
    head: `audiomixer name=${MIC_ELEMENT}`,
    sideChains: [chain('audiotestsrc is-live=true wave=silence', `${MIC_ELEMENT}.`)],
  };
}

/** −26 dBFS 440 Hz tone under a −6 dBFS 1 kHz beep of 100 ms at every whole second. */
export function testPatternAudio(): SourceChain {
  return {
    head: `audiomixer name=${MIC_ELEMENT}`,
    sideChains: [
      chain(
        'audiotestsrc is-live=true wave=sine freq=440 volume=0.05',
        `${MIC_ELEMENT}.`,
      ),
      chain(
        'audiotestsrc is-live=true wave=ticks freq=1000 volume=0.5 apply-tick-ramp=true ' +
          'tick-interval=1000000000 sine-periods-per-tick=100',
        `${MIC_ELEMENT}.`,
      ),
    ],
  };
}
