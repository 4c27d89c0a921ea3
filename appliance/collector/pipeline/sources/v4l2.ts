// USB and HDMI grabbers through Video4Linux2. Grabbers hand out raw YUYV/NV12 or MJPEG
// depending on the mode; decodebin takes either (raw passes straight through).
import { chain, prop } from '../gst_syntax.ts';
import { CAPTURE_ELEMENT, type SourceChain } from './source.ts';

export function v4l2Video(device: string): SourceChain {
  return {
    // do-timestamp: stamp frames on arrival with the pipeline clock, so audio captured by
    // another device (ALSA) lines up with them.
    head: chain(
      `v4l2src name=${CAPTURE_ELEMENT} ${prop('device', device)} do-timestamp=true`,
      'decodebin',
    ),
    sideChains: [],
  };
}
