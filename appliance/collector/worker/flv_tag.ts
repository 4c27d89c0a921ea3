// flvmux hands out one FLV tag per buffer. A new RTMP connection has to start on a video
// keyframe (the decoder on the encoder can do nothing with what comes before it), and
// flvmux does not flag audio tags as delta units, so the tag itself is read.
const VIDEO_TAG = 9;
const KEYFRAME = 1;

/** First bytes of a tag (at least 12) → whether it is a video keyframe. */
export function isVideoKeyframeTag(head: Uint8Array): boolean {
  if (head.length < 12) return false;
  // Tag header: type (1 byte) + size (3) + timestamp (4) + stream id (3); then the video
  // data's first byte: frame type in the high nibble (1 = keyframe), codec in the low.
  return (head[0]! & 0x1f) === VIDEO_TAG && head[11]! >> 4 === KEYFRAME;
}
