// RFC 6381 codec strings for the master playlist's CODECS, read from an fMP4 init segment.
// Players pick variants by them (MediaSource.isTypeSupported in hls.js): a guessed string
// can hide a playable variant or offer one that fails, so the values come from the decoder
// configuration boxes ffmpeg actually wrote, never from the ladder config.

interface Box {
  type: string;
  /** First byte of the payload (after size, type and any 64-bit size). */
  start: number;
  end: number;
}

const VISUAL = new Set(['avc1', 'avc3', 'hvc1', 'hev1', 'vp09', 'av01', 'encv']);
const AUDIO = new Set(['mp4a', 'Opus', 'ac-3', 'ec-3', 'fLaC', 'enca']);
/** ISO/IEC 14496-12 sample entry fields before the child boxes, after the box header. */
const VISUAL_ENTRY_BYTES = 78;
const AUDIO_ENTRY_BYTES = 28;

/**
 * The codec of every audio and video track, in track order, without duplicates. Tracks of
 * codecs it does not know are left out (better no CODECS entry than a wrong one); a
 * malformed file yields what could be read before the damage.
 */
export function codecsFromInitSegment(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const codecs: string[] = [];
  for (const moov of boxes(view, 0, view.byteLength, 'moov')) {
    for (const trak of boxes(view, moov.start, moov.end, 'trak')) {
      const stbl = path(view, trak, ['mdia', 'minf', 'stbl']);
      const stsd = stbl && first(view, stbl, 'stsd');
      // stsd is a full box (version, flags) with a 32-bit entry count before its entries.
      if (!stsd || stsd.start + 8 > stsd.end) continue;
      for (const entry of boxes(view, stsd.start + 8, stsd.end)) {
        const codec = sampleEntryCodec(view, entry);
        if (codec && !codecs.includes(codec)) codecs.push(codec);
      }
    }
  }
  return codecs;
}

function sampleEntryCodec(view: DataView, entry: Box): string | null {
  let type = entry.type;
  let childStart: number;
  if (VISUAL.has(type)) {
    childStart = entry.start + VISUAL_ENTRY_BYTES;
  } else if (AUDIO.has(type)) {
    // QuickTime-style sound entries (version 1 and 2) carry more fields before the boxes.
    const version = entry.start + 10 <= entry.end ? view.getUint16(entry.start + 8) : 0;
    childStart = entry.start + AUDIO_ENTRY_BYTES + (version === 1 ? 16 : version === 2 ? 36 : 0);
  } else {
    return null;
  }
  if (childStart > entry.end) return null;
  const child = (name: string) => first(view, { type, start: childStart, end: entry.end }, name);
  if (type === 'encv' || type === 'enca') {
    // Encrypted: the original sample entry type is in sinf/frma.
    const sinf = child('sinf');
    const frma = sinf && first(view, sinf, 'frma');
    if (!frma || frma.start + 4 > frma.end) return null;
    type = fourcc(view, frma.start);
  }
  switch (type) {
    case 'avc1':
    case 'avc3': {
      const avcC = child('avcC');
      if (!avcC || avcC.start + 4 > avcC.end) return null;
      // configurationVersion, AVCProfileIndication, profile_compatibility, AVCLevelIndication
      return `${type}.${hex(view.getUint8(avcC.start + 1))}${hex(view.getUint8(avcC.start + 2))}${
        hex(view.getUint8(avcC.start + 3))
      }`;
    }
    case 'hvc1':
    case 'hev1': {
      const hvcC = child('hvcC');
      return hvcC && hvcC.start + 13 <= hvcC.end ? hevcCodec(view, type, hvcC.start) : null;
    }
    case 'vp09': {
      // vpcC is a full box: version and flags, then profile, level, bitDepth (high nibble).
      const vpcC = child('vpcC');
      if (!vpcC || vpcC.start + 7 > vpcC.end) return null;
      const profile = view.getUint8(vpcC.start + 4);
      const level = view.getUint8(vpcC.start + 5);
      const bitDepth = view.getUint8(vpcC.start + 6) >> 4;
      return `vp09.${two(profile)}.${two(level)}.${two(bitDepth)}`;
    }
    case 'av01': {
      const av1C = child('av1C');
      if (!av1C || av1C.start + 3 > av1C.end) return null;
      // marker|version, then seq_profile(3) seq_level_idx_0(5), then seq_tier_0,
      // high_bitdepth, twelve_bit in the top bits.
      const b1 = view.getUint8(av1C.start + 1);
      const b2 = view.getUint8(av1C.start + 2);
      const bitDepth = b2 & 0x40 ? (b2 & 0x20 ? 12 : 10) : 8;
      return `av01.${b1 >> 5}.${two(b1 & 0x1f)}${b2 & 0x80 ? 'H' : 'M'}.${two(bitDepth)}`;
    }
    case 'mp4a': {
      const esds = child('esds');
      return esds ? mp4aCodec(view, esds) : null;
    }
    case 'Opus':
      return 'opus';
    case 'ac-3':
    case 'ec-3':
    case 'fLaC':
      return type;
    default:
      return null;
  }
}

/** ISO/IEC 14496-15 annex E: `hvc1.[space]profile.compat.[LH]level[.constraint bytes]`. */
function hevcCodec(view: DataView, type: string, at: number): string {
  const b1 = view.getUint8(at + 1);
  const space = ['', 'A', 'B', 'C'][b1 >> 6]!;
  const tier = b1 & 0x20 ? 'H' : 'L';
  const profile = b1 & 0x1f;
  // The 32 compatibility flags are written in reverse bit order, in hex without zeros in front.
  let compat = view.getUint32(at + 2);
  let reversed = 0;
  for (let i = 0; i < 32; i++) {
    reversed = (reversed << 1) | (compat & 1);
    compat >>>= 1;
  }
  const constraints: number[] = [];
  for (let i = 0; i < 6; i++) constraints.push(view.getUint8(at + 6 + i));
  while (constraints.length > 0 && constraints.at(-1) === 0) constraints.pop();
  const level = view.getUint8(at + 12);
  return [
    type,
    `${space}${profile}`,
    (reversed >>> 0).toString(16).toUpperCase(),
    `${tier}${level}`,
    ...constraints.map((byte) => hex(byte).toUpperCase()),
  ].join('.');
}

/**
 * `mp4a.40.<audio object type>` from the esds box (ISO/IEC 14496-1 descriptors), or
 * `mp4a.<object type indication>` for MPEG audio that has no AudioSpecificConfig.
 */
function mp4aCodec(view: DataView, esds: Box): string | null {
  let at = esds.start + 4; // full box: version and flags
  const end = esds.end;
  /** Reads a descriptor header: tag, then a size of 1-4 bytes of 7 bits each. */
  const descriptor = (): { tag: number; end: number } | null => {
    if (at + 2 > end) return null;
    const tag = view.getUint8(at++);
    let size = 0;
    for (let i = 0; i < 4 && at < end; i++) {
      const byte = view.getUint8(at++);
      size = (size << 7) | (byte & 0x7f);
      if (!(byte & 0x80)) break;
    }
    return { tag, end: Math.min(end, at + size) };
  };
  const es = descriptor();
  if (!es || es.tag !== 0x03 || at + 3 > es.end) return null;
  at += 2; // ES_ID
  const flags = view.getUint8(at++);
  if (flags & 0x80) at += 2; // dependsOn_ES_ID
  if (flags & 0x40 && at < es.end) at += 1 + view.getUint8(at); // URL
  if (flags & 0x20) at += 2; // OCR_ES_Id
  const config = descriptor();
  if (!config || config.tag !== 0x04 || at + 13 > config.end) return null;
  const objectType = view.getUint8(at);
  if (objectType !== 0x40) return `mp4a.${hex(objectType).toUpperCase()}`;
  at += 13; // objectTypeIndication, streamType, bufferSizeDB, maxBitrate, avgBitrate
  const specific = descriptor();
  if (!specific || specific.tag !== 0x05 || at + 1 > specific.end) return 'mp4a.40';
  // AudioSpecificConfig: 5 bits of audio object type; 31 escapes to 32 + the next 6 bits.
  let audioObjectType = view.getUint8(at) >> 3;
  if (audioObjectType === 31 && at + 2 <= specific.end) {
    audioObjectType = 32 + (((view.getUint8(at) & 0x07) << 3) | (view.getUint8(at + 1) >> 5));
  }
  return `mp4a.40.${audioObjectType}`;
}

/** The child boxes of [start, end), optionally only those of one type. */
function* boxes(view: DataView, start: number, end: number, only?: string): Generator<Box> {
  let at = start;
  while (at + 8 <= end) {
    let size = view.getUint32(at);
    const type = fourcc(view, at + 4);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) return;
      const large = view.getBigUint64(at + 8);
      if (large > BigInt(end - at)) return;
      size = Number(large);
      header = 16;
    } else if (size === 0) {
      size = end - at; // to the end of the enclosing box
    }
    if (size < header || at + size > end) return; // damaged: stop rather than misread
    if (only === undefined || type === only) yield { type, start: at + header, end: at + size };
    at += size;
  }
}

function first(view: DataView, parent: Box, type: string): Box | null {
  for (const box of boxes(view, parent.start, parent.end, type)) return box;
  return null;
}

function path(view: DataView, parent: Box, types: string[]): Box | null {
  let box: Box | null = parent;
  for (const type of types) {
    box = box && first(view, box, type);
  }
  return box;
}

function fourcc(view: DataView, at: number): string {
  return String.fromCharCode(
    view.getUint8(at),
    view.getUint8(at + 1),
    view.getUint8(at + 2),
    view.getUint8(at + 3),
  );
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * The media timescale (ticks per second) of the init segment's first track (mdhd), in
 * which its segments' decode times (tfdt) count; null when there is none to read.
 */
export function timescaleFromInitSegment(bytes: Uint8Array): number | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const moov of boxes(view, 0, view.byteLength, 'moov')) {
    for (const trak of boxes(view, moov.start, moov.end, 'trak')) {
      const mdhd = path(view, trak, ['mdia', 'mdhd']);
      if (!mdhd) continue;
      // Full box: version and flags, then creation and modification times (64-bit in
      // version 1), then the timescale.
      const at = mdhd.start + (view.getUint8(mdhd.start) === 1 ? 20 : 12);
      if (at + 4 > mdhd.end) continue;
      const timescale = view.getUint32(at);
      return timescale > 0 ? timescale : null;
    }
  }
  return null;
}
