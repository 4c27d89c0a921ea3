// The output probe against segments real ffmpeg writes: a black room, a moving test pattern
// and a still picture, each as fMP4 HLS like the ladder's.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import {
  createOutputWatch,
  grabOutputFrame,
  GREY_HEIGHT,
  GREY_WIDTH,
  isBlack,
  samePicture,
} from './output_probe.ts';

const run = promisify(execFile);
let roomDir: string;

/** Four 1 s segments of `source` as fMP4 HLS in roomDir/<name>/, dated like the ladder's. */
async function writeRendition(name: string, source: string) {
  const dir = join(roomDir, name);
  await mkdir(dir, { recursive: true });
  await run('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    source,
    '-t',
    '4',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '25',
    '-f',
    'hls',
    '-hls_time',
    '1',
    '-hls_segment_type',
    'fmp4',
    '-hls_flags',
    'program_date_time',
    '-hls_playlist_type',
    'vod',
    join(dir, 'index.m3u8'),
  ]);
}

before(async () => {
  roomDir = await mkdtemp(join(tmpdir(), 'roomcast-output-probe-'));
  await writeRendition('black', 'color=black:size=320x180:rate=25');
  await writeRendition('moving', 'testsrc2=size=320x180:rate=25');
  await writeRendition('still', 'color=0x3060a0:size=320x180:rate=25');
});

after(() => rm(roomDir, { recursive: true, force: true }));

test('the first frame of the newest segment, as a JPEG and a small grey picture', async () => {
  const frame = await grabOutputFrame(roomDir, ['missing', 'moving']);
  assert.ok(frame, 'a frame of the first rendition that has segments');
  assert.equal(frame.rendition, 'moving');
  assert.match(frame.segment.uri, /\.m4s$/);
  assert.deepEqual([...frame.jpeg.subarray(0, 2)], [0xff, 0xd8], 'a JPEG');
  assert.equal(frame.grey.length, GREY_WIDTH * GREY_HEIGHT);
  assert.equal(isBlack(frame.grey), false);
  assert.equal(await grabOutputFrame(roomDir, ['missing']), null, 'no segments: no frame');
});

test('black is black; a coloured still and a test pattern are not', async () => {
  const black = await grabOutputFrame(roomDir, ['black']);
  const still = await grabOutputFrame(roomDir, ['still']);
  assert.equal(isBlack(black!.grey), true);
  assert.equal(isBlack(still!.grey), false);
});

test('the watch: frozen while the picture stays, black while black, latency by the dates', async () => {
  let clock = Date.now();
  const watch = createOutputWatch(() => clock);
  assert.equal(watch.status(64_000), null, 'nothing before the first probe');

  const still = (await grabOutputFrame(roomDir, ['still']))!;
  watch.observe(still);
  clock += 4000;
  watch.observe(still); // the same segment again: nothing new
  assert.equal(watch.status(64_000)!.frozenSeconds, 0, 'one segment is not a freeze');
  // The same picture in a later segment: frozen since the first was seen.
  watch.observe({ ...still, segment: { ...still.segment, uri: 'later.m4s' } });
  clock += 2500;
  const frozen = watch.status(64_000)!;
  assert.equal(frozen.frozenSeconds, 6);
  assert.equal(frozen.blackSeconds, 0);
  assert.equal(frozen.rendition, 'still');
  assert.ok(frozen.frameJpegBase64 && Buffer.from(frozen.frameJpegBase64, 'base64')[0] === 0xff);
  assert.ok(frozen.frameAt, 'dated by the segment');
  assert.ok(frozen.latencySeconds !== null && frozen.latencySeconds >= 0);
  assert.equal(watch.status(10)!.frameJpegBase64, null, 'a frame over the budget is left out');

  const moving = (await grabOutputFrame(roomDir, ['moving']))!;
  watch.observe(moving);
  assert.equal(watch.status(64_000)!.frozenSeconds, 0, 'a changed picture ends the freeze');

  const black = (await grabOutputFrame(roomDir, ['black']))!;
  watch.observe(black);
  clock += 3000;
  watch.observe({ ...black, segment: { ...black.segment, uri: 'black-later.m4s' } });
  assert.equal(watch.status(64_000)!.blackSeconds, 3);
});

test('two segments of a moving pattern are different pictures; one is the same as itself', async () => {
  const newest = (await grabOutputFrame(roomDir, ['moving']))!;
  const first = await greyOfFirstSegment('moving');
  assert.equal(samePicture(newest.grey, first), false);
  assert.equal(samePicture(newest.grey, newest.grey), true);
});

/** The grey picture of a rendition's first segment, through a playlist listing only it. */
async function greyOfFirstSegment(rendition: string): Promise<Uint8Array> {
  const dir = join(roomDir, rendition);
  const firstUri = (await readFile(join(dir, 'index.m3u8'), 'utf8')).split('\n')
    .find((line) => line.endsWith('.m4s'))!;
  const copy = join(roomDir, `${rendition}-first`);
  await mkdir(copy, { recursive: true });
  await copyFile(join(dir, 'init.mp4'), join(copy, 'init.mp4'));
  await copyFile(join(dir, firstUri), join(copy, firstUri));
  await writeFile(
    join(copy, 'index.m3u8'),
    `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:1.0,\n${firstUri}\n`,
  );
  return (await grabOutputFrame(roomDir, [`${rendition}-first`]))!.grey;
}
