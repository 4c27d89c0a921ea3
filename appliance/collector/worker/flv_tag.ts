// flvmux hands out one FLV tag per buffer: an 11-byte tag header (type, data size,
// timestamp, stream id), the data, and the 4-byte size of the tag that went before. The
// uplink reads a few of them (a new RTMP connection has to start on a video keyframe, and
// flvmux does not flag audio tags as delta units) and rewrites one kind: the onMetaData
// script tag, which gets the capture clock (core/wire/capture_clock.ts).
const VIDEO_TAG = 9;
export const SCRIPT_TAG = 18;
const KEYFRAME = 1;
const HEADER_BYTES = 11;
const PREVIOUS_SIZE_BYTES = 4;

// AMF0 markers (the script tag's payload is AMF0: a name, then a value).
const AMF_NUMBER = 0x00;
const AMF_STRING = 0x02;
const AMF_OBJECT = 0x03;
const AMF_ECMA_ARRAY = 0x08;
const AMF_OBJECT_END = 0x09;
const ON_META_DATA = 'onMetaData';

/** The tag type of a tag's first bytes (8 audio, 9 video, 18 script data), or -1. */
export function tagType(head: Uint8Array): number {
  return head.length > 0 ? head[0]! & 0x1f : -1;
}

/** First bytes of a tag (at least 12) → whether it is a video keyframe. */
export function isVideoKeyframeTag(head: Uint8Array): boolean {
  if (head.length < 12) return false;
  // Tag header: type (1 byte) + size (3) + timestamp (4) + stream id (3); then the video
  // data's first byte: frame type in the high nibble (1 = keyframe), codec in the low.
  return tagType(head) === VIDEO_TAG && head[11]! >> 4 === KEYFRAME;
}

/**
 * The tag's timestamp in milliseconds: 24 bits big-endian, then an extension byte that
 * holds bits 24-31 (so a stream may run 49.7 days before it wraps).
 */
export function flvTimestampMs(head: Uint8Array): number {
  if (head.length < 8) throw new RangeError('an FLV tag header has 11 bytes');
  return ((head[7]! << 24) >>> 0) + (head[4]! << 16) + (head[5]! << 8) + head[6]!;
}

/** A copy of `tag` with its timestamp set to `ms`. */
export function withFlvTimestamp(tag: Uint8Array, ms: number): Uint8Array {
  if (tag.length < HEADER_BYTES) throw new RangeError('an FLV tag header has 11 bytes');
  const out = tag.slice();
  const value = Math.max(0, Math.floor(ms)) >>> 0;
  out[4] = (value >>> 16) & 0xff;
  out[5] = (value >>> 8) & 0xff;
  out[6] = value & 0xff;
  out[7] = (value >>> 24) & 0xff;
  return out;
}

/**
 * The wall-clock time of FLV timestamp 0, in whole milliseconds since the Unix epoch, from
 * one tag: the pipeline's running time of the buffer that carries it (its PTS, in ns),
 * the wall-clock time of running time 0, and the tag's own timestamp. flvmux counts its
 * timestamps from the first buffer it muxed, so they are the running time less a small
 * offset; this takes the offset out.
 */
export function captureEpochMs(input: {
  wallClockAtRunningZeroMs: number;
  runningTimeNs: bigint | number;
  flvTimestampMs: number;
}): number {
  return Math.round(
    input.wallClockAtRunningZeroMs + Number(input.runningTimeNs) / 1e6 - input.flvTimestampMs,
  );
}

/**
 * A copy of an onMetaData script tag with one more number property, or null when `tag` is
 * not one (another script tag, a malformed one, or one that has the property already).
 * flvmux writes the properties as an ECMA array, some muxers as an object; both end with
 * the 00 00 09 marker, before which the property goes. The data size in the header, the
 * array's count and the trailing previous-tag size (when the buffer has one) follow.
 */
export function withMetadataNumber(tag: Uint8Array, key: string, value: number): Uint8Array | null {
  if (tag.length < HEADER_BYTES || tagType(tag) !== SCRIPT_TAG) return null;
  if (!/^[\x20-\x7e]{1,255}$/.test(key) || !Number.isFinite(value)) return null;
  const dataSize = (tag[1]! << 16) | (tag[2]! << 8) | tag[3]!;
  const end = HEADER_BYTES + dataSize;
  const trailer = tag.length === end + PREVIOUS_SIZE_BYTES;
  if (tag.length !== end && !trailer) return null;
  const name = ascii(ON_META_DATA);
  const nameAt = HEADER_BYTES;
  const valueAt = nameAt + 3 + name.length;
  if (
    dataSize < 3 + name.length + 1 + 3 || tag[nameAt] !== AMF_STRING ||
    tag[nameAt + 1] !== 0 || tag[nameAt + 2] !== name.length ||
    !name.every((byte, i) => tag[nameAt + 3 + i] === byte)
  ) {
    return null;
  }
  const kind = tag[valueAt];
  if (kind !== AMF_ECMA_ARRAY && kind !== AMF_OBJECT) return null;
  if (tag[end - 3] !== 0 || tag[end - 2] !== 0 || tag[end - 1] !== AMF_OBJECT_END) return null;
  const keyBytes = ascii(key);
  const named = new Uint8Array([0, keyBytes.length, ...keyBytes]);
  if (indexOf(tag.subarray(valueAt, end), named) >= 0) return null;

  const property = new Uint8Array(named.length + 9);
  property.set(named);
  property[named.length] = AMF_NUMBER;
  new DataView(property.buffer).setFloat64(named.length + 1, value);

  const newSize = dataSize + property.length;
  if (newSize > 0xffffff) return null;
  const out = new Uint8Array(tag.length + property.length);
  out.set(tag.subarray(0, end - 3));
  out.set(property, end - 3);
  out.set(tag.subarray(end - 3, end), end - 3 + property.length);
  out[1] = (newSize >>> 16) & 0xff;
  out[2] = (newSize >>> 8) & 0xff;
  out[3] = newSize & 0xff;
  const view = new DataView(out.buffer);
  if (kind === AMF_ECMA_ARRAY) {
    // The count is a hint to readers; keep it right all the same.
    view.setUint32(valueAt + 1, (view.getUint32(valueAt + 1) + 1) >>> 0);
  }
  if (trailer) view.setUint32(HEADER_BYTES + newSize, HEADER_BYTES + newSize);
  return out;
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
