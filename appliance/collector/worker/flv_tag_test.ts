import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { CAPTURE_EPOCH_KEY } from '../../../core/wire/capture_clock.ts';
import {
  captureEpochMs,
  flvTimestampMs,
  isVideoKeyframeTag,
  SCRIPT_TAG,
  tagType,
  withFlvTimestamp,
  withMetadataNumber,
} from './flv_tag.ts';

const run = promisify(execFile);

function tag(type: number, firstDataByte: number): Uint8Array {
  const bytes = new Uint8Array(16);
  bytes[0] = type;
  bytes[11] = firstDataByte;
  return bytes;
}

/** An onMetaData tag as flvmux writes it: ECMA array `{ width: 640 }`, previous size after. */
function metadataTag(kind: 'ecma' | 'object' = 'ecma', trailer = true): Uint8Array {
  const name = [...'onMetaData'].map((c) => c.charCodeAt(0));
  const width = [
    0,
    5,
    ...[...'width'].map((c) => c.charCodeAt(0)),
    0,
    0x40,
    0x84,
    0,
    0,
    0,
    0,
    0,
    0,
  ];
  const value = kind === 'ecma' ? [8, 0, 0, 0, 1, ...width, 0, 0, 9] : [3, ...width, 0, 0, 9];
  const data = [2, 0, name.length, ...name, ...value];
  const size = data.length;
  const header = [SCRIPT_TAG, 0, 0, size, 0, 0, 0x12, 0x34, 0, 0, 0];
  const previous = [0, 0, 0, 11 + size];
  return new Uint8Array([...header, ...data, ...(trailer ? previous : [])]);
}

test('only a video tag whose frame type is 1 starts an uplink', () => {
  assert.equal(isVideoKeyframeTag(tag(9, 0x17)), true, 'AVC keyframe');
  assert.equal(isVideoKeyframeTag(tag(9, 0x27)), false, 'AVC inter frame');
  assert.equal(isVideoKeyframeTag(tag(8, 0xaf)), false, 'AAC audio');
  assert.equal(isVideoKeyframeTag(tag(18, 0x02)), false, 'script data');
  assert.equal(isVideoKeyframeTag(new Uint8Array(8)), false, 'too short to tell');
  assert.equal(tagType(tag(18, 0)), SCRIPT_TAG);
  assert.equal(tagType(new Uint8Array(0)), -1);
});

test('FLV timestamps: 24 bits and the extension byte on top; set on a copy', () => {
  const head = new Uint8Array(12);
  head.set([0x01, 0x02, 0x03, 0x04], 4);
  assert.equal(flvTimestampMs(head), 0x04010203);
  head[7] = 0xff;
  assert.equal(flvTimestampMs(head), 0xff010203, 'bit 31 set: still positive');
  const original = new Uint8Array(12);
  const moved = withFlvTimestamp(original, 0x12345678);
  assert.equal(flvTimestampMs(moved), 0x12345678);
  assert.equal(flvTimestampMs(original), 0, 'the original is untouched');
});

test('capture epoch: wall clock at running time 0 plus the running time, less the tag time', () => {
  // flvmux started counting 1.02 ms into the pipeline: tag 30 ms is running time 31.84 ms.
  assert.equal(
    captureEpochMs({
      wallClockAtRunningZeroMs: 1_700_000_000_000,
      runningTimeNs: 31_835_648n,
      flvTimestampMs: 30,
    }),
    1_700_000_000_002,
  );
  // An hour in: the same epoch from any tag of the stream.
  assert.equal(
    captureEpochMs({
      wallClockAtRunningZeroMs: 1_700_000_000_000,
      runningTimeNs: 3_600_001_500_000,
      flvTimestampMs: 3_600_000,
    }),
    1_700_000_000_002,
  );
});

test('onMetaData gets one more number: sizes, count and previous-tag size follow', () => {
  const original = metadataTag();
  const patched = withMetadataNumber(original, CAPTURE_EPOCH_KEY, 1_795_237_530_597)!;
  assert.ok(patched);
  const added = 2 + CAPTURE_EPOCH_KEY.length + 1 + 8;
  assert.equal(patched.length, original.length + added);
  const view = new DataView(patched.buffer);
  const dataSize = (patched[1]! << 16) | (patched[2]! << 8) | patched[3]!;
  assert.equal(dataSize, original[3]! + added);
  assert.deepEqual([...patched.subarray(4, 8)], [0, 0, 0x12, 0x34], 'timestamp kept');
  const arrayAt = 11 + 13;
  assert.equal(patched[arrayAt], 8);
  assert.equal(view.getUint32(arrayAt + 1), 2, 'ECMA array count');
  assert.equal(view.getUint32(patched.length - 4), 11 + dataSize, 'previous tag size');
  const keyAt = 11 + dataSize - 3 - 9 - CAPTURE_EPOCH_KEY.length;
  assert.equal(
    String.fromCharCode(...patched.subarray(keyAt, keyAt + CAPTURE_EPOCH_KEY.length)),
    CAPTURE_EPOCH_KEY,
  );
  assert.equal(view.getFloat64(keyAt + CAPTURE_EPOCH_KEY.length + 1), 1_795_237_530_597);
  assert.deepEqual([...patched.subarray(11 + dataSize - 3, 11 + dataSize)], [0, 0, 9]);
  assert.equal(original[3], metadataTag()[3], 'the original is untouched');

  const object = withMetadataNumber(metadataTag('object', false), 'k', 1)!;
  assert.equal(object.length, metadataTag('object', false).length + 2 + 1 + 9);
  assert.deepEqual([...object.subarray(-3)], [0, 0, 9]);
});

test('anything but an onMetaData tag is left alone', () => {
  const good = metadataTag();
  assert.equal(withMetadataNumber(tag(9, 0x17), 'k', 1), null, 'video');
  const other = good.slice();
  other[11 + 3] = 'x'.charCodeAt(0); // "xnMetaData"
  assert.equal(withMetadataNumber(other, 'k', 1), null, 'another script tag');
  assert.equal(withMetadataNumber(good.subarray(0, good.length - 6), 'k', 1), null, 'cut off');
  const noEnd = good.slice();
  noEnd[noEnd.length - 5] = 7;
  assert.equal(withMetadataNumber(noEnd, 'k', 1), null, 'no end marker');
  assert.equal(withMetadataNumber(good, 'width', 1), null, 'already has the property');
  assert.equal(withMetadataNumber(good, 'k', Number.NaN), null, 'not a number');
  const once = withMetadataNumber(good, CAPTURE_EPOCH_KEY, 5)!;
  assert.equal(withMetadataNumber(once, CAPTURE_EPOCH_KEY, 6), null, 'never twice');
});

test("real flvmux output, patched, is read by ffmpeg's FLV demuxer with the property", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-flv-'));
  try {
    const file = join(dir, 'in.flv');
    // streamable, as in the capture pipeline: otherwise flvmux writes a seek index padded
    // with a 2 KB filler string that ffmpeg's FLV reader gives up on.
    await run('gst-launch-1.0', [
      '-q',
      ...['videotestsrc', 'num-buffers=30', '!', 'video/x-raw,width=320,height=180,framerate=30/1'],
      ...[
        '!',
        'x264enc',
        'bframes=0',
        '!',
        'h264parse',
        '!',
        'flvmux',
        'streamable=true',
        '!',
        'filesink',
      ],
      `location=${file}`,
    ]);
    const bytes = new Uint8Array(await readFile(file));
    // FLV header (9 bytes) and PreviousTagSize0 (4), then flvmux's onMetaData tag first.
    const start = 13;
    assert.equal(tagType(bytes.subarray(start)), SCRIPT_TAG);
    const size = (bytes[start + 1]! << 16) | (bytes[start + 2]! << 8) | bytes[start + 3]!;
    const end = start + 11 + size + 4;
    const patched = withMetadataNumber(
      bytes.subarray(start, end),
      CAPTURE_EPOCH_KEY,
      1_795_237_530_597,
    );
    assert.ok(patched, 'flvmux writes an onMetaData the patch understands');
    const out = join(dir, 'out.flv');
    await writeFile(
      out,
      Buffer.concat([bytes.subarray(0, start), patched, bytes.subarray(end)]),
    );
    const { stdout } = await run('ffprobe', [
      ...['-v', 'error', '-show_entries', 'format_tags:stream=codec_name,width', '-of', 'json'],
      out,
    ]);
    const probe = JSON.parse(stdout);
    assert.equal(probe.format.tags[CAPTURE_EPOCH_KEY], '1795237530597');
    assert.equal(probe.streams[0].codec_name, 'h264');
    assert.equal(probe.streams[0].width, 320);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
