// Moves an fMP4 media segment (moof + mdat) along the media timeline: the slate is encoded
// once, and each time it is listed again it must start where the previous copy ended, so
// a player sees time run on (not jump back) for as long as the slate plays. Only two
// fields change: the fragment's sequence number (mfhd) and each track's
// baseMediaDecodeTime (tfdt, ISO/IEC 14496-12 §8.8.12); the samples stay as they are.

interface Box {
  type: string;
  /** Offset of the box's first byte. */
  start: number;
  /** Offset of its payload (after size, type and any 64-bit size). */
  body: number;
  end: number;
}

/** The boxes laid out in bytes[from, to), in order. Throws on a size that does not fit. */
function boxesIn(bytes: Uint8Array, from: number, to: number): Box[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes: Box[] = [];
  let at = from;
  while (at + 8 <= to) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    let body = at + 8;
    if (size === 1) {
      if (at + 16 > to) throw new Error(`fMP4: truncated ${type} box at ${at}`);
      size = Number(view.getBigUint64(at + 8));
      body = at + 16;
    } else if (size === 0) {
      size = to - at; // extends to the end
    }
    if (size < body - at || at + size > to) {
      throw new Error(`fMP4: the ${type} box at ${at} does not fit (${size} bytes)`);
    }
    boxes.push({ type, start: at, body, end: at + size });
    at += size;
  }
  return boxes;
}

function child(bytes: Uint8Array, parent: Box, type: string): Box[] {
  return boxesIn(bytes, parent.body, parent.end).filter((box) => box.type === type);
}

/**
 * The segment's moof. Only the boxes up to it must be whole: `bytes` may be the first
 * kilobytes of a segment file (its mdat cut off).
 */
function moofOf(bytes: Uint8Array): Box {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + 8 <= bytes.byteLength) {
    const size = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === 'moof') return boxesIn(bytes, at, Math.min(bytes.byteLength, at + size))[0]!;
    if (size < 8) break; // 64-bit or to-the-end sizes come only with mdat, after the moof
    at += size;
  }
  throw new Error('fMP4: no moof box (not a media segment)');
}

/**
 * The baseMediaDecodeTime of the segment's first track fragment, in its track's timescale.
 * `bytes` may be only the head of the segment, as long as it holds the moof.
 */
export function baseDecodeTimeOf(bytes: Uint8Array): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const traf = child(bytes, moofOf(bytes), 'traf')[0];
  const tfdt = traf && child(bytes, traf, 'tfdt')[0];
  if (!tfdt) throw new Error('fMP4: no tfdt box');
  return bytes[tfdt.body] === 1
    ? view.getBigUint64(tfdt.body + 4)
    : BigInt(view.getUint32(tfdt.body + 4));
}

/**
 * A copy of media segment `bytes` whose fragments start `offset` later (in each track's
 * timescale) and carry `sequenceNumber`. Throws when a 32-bit tfdt cannot hold the time.
 */
export function retimeSegment(
  bytes: Uint8Array,
  offset: bigint,
  sequenceNumber: number,
): Uint8Array {
  const copy = new Uint8Array(bytes);
  const view = new DataView(copy.buffer);
  const moof = moofOf(copy);
  for (const mfhd of child(copy, moof, 'mfhd')) view.setUint32(mfhd.body + 4, sequenceNumber);
  for (const traf of child(copy, moof, 'traf')) {
    for (const tfdt of child(copy, traf, 'tfdt')) {
      if (copy[tfdt.body] === 1) {
        view.setBigUint64(tfdt.body + 4, view.getBigUint64(tfdt.body + 4) + offset);
      } else {
        const time = BigInt(view.getUint32(tfdt.body + 4)) + offset;
        if (time > 0xffff_ffffn) throw new Error('fMP4: the time does not fit a 32-bit tfdt');
        view.setUint32(tfdt.body + 4, Number(time));
      }
    }
  }
  return copy;
}
