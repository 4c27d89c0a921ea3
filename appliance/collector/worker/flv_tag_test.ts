import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isVideoKeyframeTag } from './flv_tag.ts';

function tag(type: number, firstDataByte: number): Uint8Array {
  const bytes = new Uint8Array(16);
  bytes[0] = type;
  bytes[11] = firstDataByte;
  return bytes;
}

test('only a video tag whose frame type is 1 starts an uplink', () => {
  assert.equal(isVideoKeyframeTag(tag(9, 0x17)), true, 'AVC keyframe');
  assert.equal(isVideoKeyframeTag(tag(9, 0x27)), false, 'AVC inter frame');
  assert.equal(isVideoKeyframeTag(tag(8, 0xaf)), false, 'AAC audio');
  assert.equal(isVideoKeyframeTag(tag(18, 0x02)), false, 'script data');
  assert.equal(isVideoKeyframeTag(new Uint8Array(8)), false, 'too short to tell');
});
