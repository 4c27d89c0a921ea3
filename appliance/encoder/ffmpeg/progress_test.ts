import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgressParser, type ProgressBlock } from './progress.ts';

// As ffmpeg 5.1 printed it for a ladder (four outputs with video).
const BLOCK = [
  'frame=20',
  'fps=0.00',
  'stream_0_0_q=-1.0',
  'stream_1_0_q=0.0',
  'stream_2_0_q=0.0',
  'stream_3_0_q=0.0',
  'bitrate=N/A',
  'total_size=N/A',
  'out_time_us=621354',
  'out_time_ms=621354',
  'out_time=00:00:00.621354',
  'dup_frames=0',
  'drop_frames=0',
  'speed=0.992x',
  'progress=continue',
  '',
].join('\n');

function parseAll(chunks: string[]): ProgressBlock[] {
  const blocks: ProgressBlock[] = [];
  const parser = createProgressParser((block) => blocks.push(block));
  for (const chunk of chunks) parser.push(chunk);
  return blocks;
}

test('one block per progress= line, with speed, output time, frame and fps', () => {
  assert.deepEqual(parseAll([BLOCK]), [
    { speed: 0.992, outTimeSeconds: 0.621354, frame: 20, fps: 0, end: false },
  ]);
});

test('chunks split anywhere, even inside a key or value', () => {
  const text = BLOCK + BLOCK.replace('speed=0.992x', 'speed= 6.4x').replace(
    'progress=continue',
    'progress=end',
  );
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += 7) chunks.push(text.slice(i, i + 7));
  const blocks = parseAll(chunks);
  assert.equal(blocks.length, 2);
  assert.equal(blocks[1]!.speed, 6.4); // %4.3g pads the number with spaces
  assert.equal(blocks[1]!.end, true);
});

test('before the first packet: speed N/A and a negative output time are null', () => {
  const early = [
    'bitrate=N/A',
    'total_size=N/A',
    'out_time_us=-9223372036854775807',
    'out_time_ms=-9223372036854775807',
    'out_time=-577014:32:22.775808',
    'speed=N/A',
    'progress=continue',
    '',
  ].join('\n');
  assert.deepEqual(parseAll([early]), [
    { speed: null, outTimeSeconds: null, frame: null, fps: null, end: false },
  ]);
});

test('out_time alone (no microsecond keys) is read as a clock; an audio-only run has no frame', () => {
  const blocks = parseAll(['out_time=01:02:03.500000\nspeed=1x\nprogress=continue\n']);
  assert.deepEqual(blocks, [
    { speed: 1, outTimeSeconds: 3723.5, frame: null, fps: null, end: false },
  ]);
});

test('CRLF line ends and stray lines are tolerated; a block is only reported when complete', () => {
  const blocks = parseAll(['garbage without equals\r\nframe=5\r\nspeed=2.5x\r\n', 'progr']);
  assert.equal(blocks.length, 0);
  const more = parseAll(['frame=5\r\nspeed=2.5x\r\nprogress=continue\r\n']);
  assert.deepEqual(more, [{ speed: 2.5, outTimeSeconds: null, frame: 5, fps: null, end: false }]);
});
