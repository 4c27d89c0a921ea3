// Reads a fragmented MP4 as ffmpeg writes it to a pipe (`-f mp4 -movflags
// +empty_moov+default_base_moof+frag_keyframe -frag_duration …`): first the init segment
// (ftyp + moov), then one fragment (moof + mdat) after another, each a fraction of a second.
// These fragments are what low-latency HLS calls parts (part_cutter.ts groups them into
// segments). Incremental: bytes arrive in whatever chunks the pipe gives.
//
// ISO/IEC 14496-12: tfhd §8.8.7, tfdt §8.8.12, trun §8.8.8, sample flags §8.8.3.1.

export interface Fragment {
  /** moof + mdat, as written. */
  bytes: Uint8Array;
  /** baseMediaDecodeTime of the fragment, in the track's timescale. */
  decodeTime: bigint;
  /** Sum of its sample durations, in the track's timescale. */
  duration: bigint;
  /** Its first sample is a sync sample (a keyframe; every audio frame is one). */
  independent: boolean;
}

export interface Fmp4StreamHandlers {
  /** The init segment, once, with its track's timescale (mdhd). */
  init(bytes: Uint8Array, timescale: number): void;
  fragment(fragment: Fragment): void;
}

export interface Fmp4StreamReader {
  push(chunk: Uint8Array): void;
  /** Bytes held back: an incomplete box (at the end of the stream, a cut-off one). */
  pending(): number;
}

/** A box larger than this is not one ffmpeg writes for a fraction of a second of media. */
const MAX_BOX_BYTES = 64 * 1024 * 1024;

const TFHD_BASE_DATA_OFFSET = 0x1;
const TFHD_SAMPLE_DESCRIPTION_INDEX = 0x2;
const TFHD_DEFAULT_DURATION = 0x8;
const TFHD_DEFAULT_SIZE = 0x10;
const TFHD_DEFAULT_FLAGS = 0x20;
const TRUN_DATA_OFFSET = 0x1;
const TRUN_FIRST_SAMPLE_FLAGS = 0x4;
const TRUN_SAMPLE_DURATION = 0x100;
const TRUN_SAMPLE_SIZE = 0x200;
const TRUN_SAMPLE_FLAGS = 0x400;
const TRUN_SAMPLE_CTO = 0x800;
/** sample_is_non_sync_sample, in a 32-bit sample flags word. */
const NON_SYNC = 0x10000;

interface Box {
  type: string;
  body: number;
  end: number;
}

function childBoxes(view: DataView, from: number, to: number): Box[] {
  const boxes: Box[] = [];
  let at = from;
  while (at + 8 <= to) {
    const size = view.getUint32(at);
    const type = String.fromCharCode(
      view.getUint8(at + 4),
      view.getUint8(at + 5),
      view.getUint8(at + 6),
      view.getUint8(at + 7),
    );
    if (size < 8 || at + size > to) throw new Error(`fMP4: the ${type} box at ${at} does not fit`);
    boxes.push({ type, body: at + 8, end: at + size });
    at += size;
  }
  return boxes;
}

const find = (view: DataView, parent: Box, type: string) =>
  childBoxes(view, parent.body, parent.end).find((box) => box.type === type);

/** mdhd's timescale in the first track of a moov. */
function timescaleOf(view: DataView, moov: Box): number {
  const trak = find(view, moov, 'trak');
  const mdia = trak && find(view, trak, 'mdia');
  const mdhd = mdia && find(view, mdia, 'mdhd');
  if (!mdhd) throw new Error('fMP4: the moov has no track with an mdhd');
  const timescale = view.getUint32(mdhd.body + (view.getUint8(mdhd.body) === 1 ? 20 : 12));
  if (timescale <= 0) throw new Error('fMP4: a timescale of 0');
  return timescale;
}

/** Decode time, length and whether the first sample is a keyframe, from a moof. */
function fragmentTiming(view: DataView, moof: Box): Omit<Fragment, 'bytes'> {
  const traf = find(view, moof, 'traf');
  const tfhd = traf && find(view, traf, 'tfhd');
  const tfdt = traf && find(view, traf, 'tfdt');
  if (!traf || !tfhd || !tfdt) throw new Error('fMP4: a moof without traf, tfhd and tfdt');
  const tfhdFlags = view.getUint32(tfhd.body) & 0xffffff;
  let at = tfhd.body + 8; // version/flags, track_ID
  if (tfhdFlags & TFHD_BASE_DATA_OFFSET) at += 8;
  if (tfhdFlags & TFHD_SAMPLE_DESCRIPTION_INDEX) at += 4;
  const defaultDuration = tfhdFlags & TFHD_DEFAULT_DURATION ? view.getUint32(at) : 0;
  if (tfhdFlags & TFHD_DEFAULT_DURATION) at += 4;
  if (tfhdFlags & TFHD_DEFAULT_SIZE) at += 4;
  const defaultFlags = tfhdFlags & TFHD_DEFAULT_FLAGS ? view.getUint32(at) : 0;

  const decodeTime = view.getUint8(tfdt.body) === 1
    ? view.getBigUint64(tfdt.body + 4)
    : BigInt(view.getUint32(tfdt.body + 4));

  let duration = 0n;
  let firstFlags: number | null = null;
  for (const trun of childBoxes(view, traf.body, traf.end).filter((b) => b.type === 'trun')) {
    const flags = view.getUint32(trun.body) & 0xffffff;
    const count = view.getUint32(trun.body + 4);
    let p = trun.body + 8;
    if (flags & TRUN_DATA_OFFSET) p += 4;
    let first = defaultFlags;
    if (flags & TRUN_FIRST_SAMPLE_FLAGS) {
      first = view.getUint32(p);
      p += 4;
    }
    for (let i = 0; i < count; i++) {
      duration += BigInt(flags & TRUN_SAMPLE_DURATION ? view.getUint32(p) : defaultDuration);
      if (flags & TRUN_SAMPLE_DURATION) p += 4;
      if (flags & TRUN_SAMPLE_SIZE) p += 4;
      if (flags & TRUN_SAMPLE_FLAGS) {
        if (i === 0 && !(flags & TRUN_FIRST_SAMPLE_FLAGS)) first = view.getUint32(p);
        p += 4;
      }
      if (flags & TRUN_SAMPLE_CTO) p += 4;
    }
    firstFlags ??= first;
  }
  return { decodeTime, duration, independent: firstFlags !== null && !(firstFlags & NON_SYNC) };
}

export function createFmp4StreamReader(handlers: Fmp4StreamHandlers): Fmp4StreamReader {
  let buffered: Uint8Array = new Uint8Array(0);
  /** ftyp (and anything before the moov) of the init segment. */
  let initParts: Uint8Array[] = [];
  let initDone = false;
  let moof: Uint8Array | null = null;

  const take = (box: Uint8Array, type: string) => {
    const view = new DataView(box.buffer, box.byteOffset, box.byteLength);
    const whole: Box = { type, body: 8, end: box.byteLength };
    if (!initDone) {
      initParts.push(box);
      if (type !== 'moov') return;
      const init = concat(initParts);
      initParts = [];
      initDone = true;
      handlers.init(init, timescaleOf(view, whole));
      return;
    }
    if (type === 'moof') {
      moof = box;
    } else if (type === 'mdat' && moof) {
      const moofView = new DataView(moof.buffer, moof.byteOffset, moof.byteLength);
      const timing = fragmentTiming(moofView, { type: 'moof', body: 8, end: moof.byteLength });
      handlers.fragment({ bytes: concat([moof, box]), ...timing });
      moof = null;
    }
    // Anything else between fragments (styp, sidx, mfra at the end) is not media.
  };

  return {
    push(chunk) {
      buffered = buffered.byteLength ? concat([buffered, chunk]) : chunk;
      let at = 0;
      while (buffered.byteLength - at >= 8) {
        const view = new DataView(buffered.buffer, buffered.byteOffset + at, 8);
        const size = view.getUint32(0);
        const type = String.fromCharCode(...buffered.subarray(at + 4, at + 8));
        if (size < 8 || size > MAX_BOX_BYTES) {
          throw new Error(
            `fMP4 stream: a box ${JSON.stringify(type)} of ${size} bytes (not a fragmented MP4?)`,
          );
        }
        if (buffered.byteLength - at < size) break;
        take(buffered.slice(at, at + size), type);
        at += size;
      }
      buffered = buffered.slice(at);
    },
    pending: () => buffered.byteLength,
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
