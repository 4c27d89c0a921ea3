import assert from 'node:assert/strict';
import { test } from 'node:test';
import { captureClockOf, createInputBannerParser, type InputBanner } from './input_banner.ts';

/** What ffmpeg 5.1 printed (`-loglevel level+info`) reading a collector through nginx. */
const COLLECTOR = `[info] Input #0, flv, from 'rtmp://127.0.0.1:41935/live/hall':
[info]   Metadata:
[info]     |RtmpSampleAccess: true
[info]     metadatacreator : GStreamer 1.22.0 FLV muxer
[info]     creationdate    : Sat Nov 21 05:22:35 2026
[info]     AspectRatioX    : 1
[info]     roomcastCaptureEpochMs: 1795238665002
[info]   Duration: N/A, start: 6.400000, bitrate: N/A
[info]   Stream #0:0: Video: h264 (High), yuv420p(tv, smpte170m), 640x360 [SAR 1:1 DAR 16:9], 2560 kb/s, 30 fps, 30 tbr, 1k tbn
[info]   Stream #0:1: Audio: aac (LC), 48000 Hz, stereo, fltp, 126 kb/s
[hls @ 0x5620905a1c80] [info] Opening '/srv/hls/hall/source/r1-init.mp4' for writing
[info] Output #0, hls, to '/srv/hls/hall/source/r1.m3u8':
[info]   Metadata:
[info]     roomcastCaptureEpochMs: 1
[info]   Stream #0:0: Video: h264 (High), yuv420p, 640x360, q=2-31, 30 fps, 15360 tbn
`;

function parse(text: string): InputBanner[] {
  const found: InputBanner[] = [];
  const parser = createInputBannerParser((banner) => found.push(banner));
  for (const line of text.split('\n')) parser.line(line);
  return found;
}

test("a collector's banner: start, metadata and streams of input #0 only, once", () => {
  const [banner, ...more] = parse(COLLECTOR);
  assert.deepEqual(more, []);
  assert.deepEqual(banner, {
    startSeconds: 6.4,
    metadata: {
      '|RtmpSampleAccess': 'true',
      metadatacreator: 'GStreamer 1.22.0 FLV muxer',
      creationdate: 'Sat Nov 21 05:22:35 2026',
      AspectRatioX: '1',
      roomcastCaptureEpochMs: '1795238665002',
    },
    streams: ['Video', 'Audio'],
  });
  assert.deepEqual(captureClockOf(banner!), {
    epochMs: 1795238665002,
    startSeconds: 6.4,
    captureStartMs: 1795238665002 + 6400,
  });
});

test("stream metadata, continuation lines and a plain publisher's banner", () => {
  const [banner] = parse(`Input #0, flv, from 'rtmp://127.0.0.1/live/hall':
  Metadata:
    encoder         : Lavf59.27.100
    comment         : first line
                    : second line
  Duration: 00:00:00.00, start: 0.021000, bitrate: N/A
  Stream #0:0: Audio: aac (LC), 48000 Hz, mono, fltp, 69 kb/s
    Metadata:
      handler_name    : SoundHandler
  Stream #0:1: Video: h264 (Constrained Baseline), yuv420p, 320x240, 30 fps
Stream mapping:
`);
  assert.deepEqual(banner, {
    startSeconds: 0.021,
    metadata: { encoder: 'Lavf59.27.100', comment: 'first line' },
    streams: ['Audio', 'Video'],
  });
  assert.equal(captureClockOf(banner!), null, 'no capture clock: ffmpeg keeps its own');
});

test('nothing before "Input #0", nothing if the banner never ends', () => {
  assert.deepEqual(parse('[error] rtmp://127.0.0.1/live/hall: Input/output error\n'), []);
  assert.deepEqual(parse(COLLECTOR.split('\n').slice(0, 6).join('\n')), []);
});

test('the capture start needs a plain epoch, a start, video, and no text or data stream', () => {
  const base: InputBanner = {
    startSeconds: 2.41,
    metadata: { roomcastCaptureEpochMs: '1795238665002' },
    streams: ['Video', 'Audio'],
  };
  assert.equal(captureClockOf(base)?.captureStartMs, 1795238667412);
  assert.equal(captureClockOf({ ...base, streams: ['Video'] })?.captureStartMs, 1795238667412);
  const cases: [string, InputBanner][] = [
    ['no start', { ...base, startSeconds: null }],
    ['negative start', { ...base, startSeconds: -0.5 }],
    ['not a number', { ...base, metadata: { roomcastCaptureEpochMs: 'soon' } }],
    ['exponent', { ...base, metadata: { roomcastCaptureEpochMs: '1e12' } }],
    ['zero', { ...base, metadata: { roomcastCaptureEpochMs: '0' } }],
    ['a text stream', { ...base, streams: ['Subtitle', 'Video', 'Audio'] }],
    ['audio only', { ...base, streams: ['Audio'] }],
  ];
  for (const [what, banner] of cases) assert.equal(captureClockOf(banner), null, what);
});
