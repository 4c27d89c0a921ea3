import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Rendition } from '../../../core/wire/contracts.ts';
import { DEFAULT_LADDER } from '../../../core/wire/ladder.ts';
import {
  buildLadderArgv,
  fpsValue,
  gopFrames,
  initSegmentName,
  privatePlaylistPath,
  segmentFileName,
} from './argv.ts';
import { softwareBackend } from './backends/software.ts';
import { KEYFRAME_PROBE_CHAIN } from './keyframe_watch.ts';
import { planLadder } from './ladder_plan.ts';

const ROOM_DIR = '/var/lib/roomcast/hls/main-hall';
const INPUT = 'rtmp://127.0.0.1:1935/live/main-hall';

const GLOBAL = [
  '-hide_banner',
  '-loglevel',
  'level+info',
  '-nostats',
  '-progress',
  'pipe:1',
  '-nostdin',
  '-y',
];

/** The HLS output options of rendition `name`, spelled out. */
function hls(name: string): string[] {
  return [
    '-f',
    'hls',
    '-hls_segment_type',
    'fmp4',
    '-hls_time',
    '2',
    '-hls_list_size',
    '10',
    '-hls_flags',
    'program_date_time+independent_segments+temp_file',
    '-hls_fmp4_init_filename',
    'r000012-init.mp4',
    '-hls_segment_filename',
    `${ROOM_DIR}/${name}/r000012-%d.m4s`,
    `${ROOM_DIR}/${name}/r000012.m3u8`,
  ];
}

function aac(kbps: number): string[] {
  return [
    '-c:a:0',
    'aac',
    '-profile:a:0',
    'aac_low',
    '-ar:a:0',
    '48000',
    '-ac:a:0',
    '2',
    '-b:a:0',
    `${kbps}k`,
  ];
}

function x264(profile: string, kbps: number, maxrate: number): string[] {
  return [
    '-c:v:0',
    'libx264',
    '-preset:v:0',
    'veryfast',
    '-profile:v:0',
    profile,
    '-pix_fmt:v:0',
    'yuv420p',
    '-b:v:0',
    `${kbps}k`,
    '-maxrate:v:0',
    `${maxrate}k`,
    '-bufsize:v:0',
    `${maxrate}k`,
    '-g:v:0',
    '60',
    '-keyint_min:v:0',
    '60',
    '-sc_threshold:v:0',
    '0',
    '-force_key_frames:v:0',
    'expr:gte(t,n_forced*2)',
  ];
}

function job(ladder: readonly Rendition[], source: Parameters<typeof planLadder>[1]) {
  return {
    inputUrl: INPUT,
    renditions: planLadder(ladder, source),
    segmentSeconds: 2,
    roomDir: ROOM_DIR,
    runId: 'r000012',
  };
}

test('the default ladder for a 1280x720@30 source with audio', () => {
  const argv = buildLadderArgv(
    job(DEFAULT_LADDER, { width: 1280, height: 720, fps: 30, hasAudio: true }),
    softwareBackend,
  );
  assert.deepEqual(argv, [
    ...GLOBAL,
    '-fpsprobesize',
    '0',
    '-analyzeduration',
    '10000000',
    '-i',
    INPUT,
    '-filter_complex',
    // No 720p rung for a 720p source: the source is that picture. The last branch is the
    // keyframe probe.
    '[0:v:0]split=3[s0][s1][s2];' +
    '[s0]fps=30,scale=854:480,setsar=1[v0];' +
    '[s1]fps=30,scale=640:360,setsar=1[v1];' +
    `[s2]${KEYFRAME_PROBE_CHAIN}`,
    // source: the publisher's video, untouched
    '-map',
    '0:v:0',
    '-c:v',
    'copy',
    ...hls('source'),
    // 480p, 360p: video only
    '-map',
    '[v0]',
    '-fps_mode:v:0',
    'passthrough',
    ...x264('main', 1400, 1540),
    ...hls('480p'),
    '-map',
    '[v1]',
    '-fps_mode:v:0',
    'passthrough',
    ...x264('main', 800, 880),
    ...hls('360p'),
    // the audio, encoded once for every variant
    '-map',
    '0:a:0',
    ...aac(96),
    ...hls('audio'),
  ]);
});

test('a VP9 ladder at 29.97 fps: libvpx realtime options, NTSC fps as a fraction', () => {
  const ladder: Rendition[] = [
    { name: '720p', codec: 'h264', height: 720, videoKbps: 2800, audioKbps: 128 },
    { name: '360p-vp9', codec: 'vp9', height: 360, videoKbps: 600, audioKbps: 64, fps: 15 },
  ];
  const argv = buildLadderArgv(
    job(ladder, { width: 1920, height: 1080, fps: 29.97, hasAudio: true }),
    softwareBackend,
  );
  assert.deepEqual(argv, [
    ...GLOBAL,
    '-fpsprobesize',
    '0',
    '-analyzeduration',
    '10000000',
    '-i',
    INPUT,
    '-filter_complex',
    '[0:v:0]split=3[s0][s1][s2];' +
    '[s0]fps=30000/1001,scale=1280:720,setsar=1[v0];' +
    '[s1]fps=15,scale=640:360,setsar=1[v1];' +
    `[s2]${KEYFRAME_PROBE_CHAIN}`,
    '-map',
    '[v0]',
    '-fps_mode:v:0',
    'passthrough',
    ...x264('high', 2800, 3080),
    ...hls('720p'),
    '-map',
    '[v1]',
    '-fps_mode:v:0',
    'passthrough',
    '-c:v:0',
    'libvpx-vp9',
    '-deadline:v:0',
    'realtime',
    '-cpu-used:v:0',
    '8',
    '-row-mt:v:0',
    '1',
    '-pix_fmt:v:0',
    'yuv420p',
    '-b:v:0',
    '600k',
    '-maxrate:v:0',
    '660k',
    '-bufsize:v:0',
    '660k',
    '-g:v:0',
    '30', // 15 fps * 2 s
    '-keyint_min:v:0',
    '30',
    '-sc_threshold:v:0',
    '0',
    '-force_key_frames:v:0',
    'expr:gte(t,n_forced*2)',
    ...hls('360p-vp9'),
    // The shared audio at the higher of the two rates, under the name 'audio'.
    '-map',
    '0:a:0',
    ...aac(128),
    ...hls('audio'),
  ]);
});

test('a source without audio: no audio maps, a short probe window', () => {
  const argv = buildLadderArgv(
    job(DEFAULT_LADDER.slice(0, 2), { width: 1920, height: 1080, fps: 30, hasAudio: false }),
    softwareBackend,
  );
  assert.deepEqual(argv, [
    ...GLOBAL,
    '-fpsprobesize',
    '0',
    '-analyzeduration',
    '1000000',
    '-i',
    INPUT,
    '-filter_complex',
    `[0:v:0]split=2[s0][s1];[s0]fps=30,scale=1280:720,setsar=1[v0];[s1]${KEYFRAME_PROBE_CHAIN}`,
    '-map',
    '0:v:0',
    '-c:v',
    'copy',
    ...hls('source'),
    '-map',
    '[v0]',
    '-fps_mode:v:0',
    'passthrough',
    ...x264('high', 2800, 3080),
    ...hls('720p'),
  ]);
});

test('a copy and audio only ladder needs no filter graph', () => {
  const argv = buildLadderArgv(
    job([DEFAULT_LADDER[0]!, DEFAULT_LADDER[4]!], {
      width: 640,
      height: 360,
      fps: 25,
      hasAudio: true,
    }),
    softwareBackend,
  );
  assert.equal(argv.includes('-filter_complex'), false);
  assert.deepEqual(argv.filter((a) => a.endsWith('.m3u8')), [
    `${ROOM_DIR}/source/r000012.m3u8`,
    `${ROOM_DIR}/audio/r000012.m3u8`,
  ]);
});

test('low-latency mode: each rendition as fragmented MP4 on its own pipe, no HLS muxer', () => {
  const argv = buildLadderArgv(
    {
      ...job([DEFAULT_LADDER[0]!, DEFAULT_LADDER[3]!, DEFAULT_LADDER[4]!], {
        width: 1280,
        height: 720,
        fps: 30,
        hasAudio: true,
      }),
      partSeconds: 0.2,
    },
    softwareBackend,
  );
  assert.equal(argv.includes('hls'), false);
  assert.equal(argv.filter((a) => a.endsWith('.m3u8')).length, 0);
  assert.deepEqual(argv.filter((a) => a.startsWith('pipe:')), [
    'pipe:1',
    'pipe:3',
    'pipe:4',
    'pipe:5',
  ]);
  const first = argv.indexOf('pipe:3');
  assert.deepEqual(argv.slice(first - 8, first), [
    '-f',
    'mp4',
    '-movflags',
    '+empty_moov+default_base_moof+frag_keyframe+skip_trailer',
    '-frag_duration',
    '200000',
    '-flush_packets',
    '1',
  ]);
  assert.throws(
    () =>
      buildLadderArgv({
        ...job([DEFAULT_LADDER[0]!], { width: 1280, height: 720, fps: 30, hasAudio: true }),
        partSeconds: 0,
      }, softwareBackend),
    /partSeconds must be 0.05-2/,
  );
});

test('file name helpers name what ffmpeg writes', () => {
  assert.equal(privatePlaylistPath(ROOM_DIR, '720p', 'r000012'), `${ROOM_DIR}/720p/r000012.m3u8`);
  assert.equal(privatePlaylistPath(`${ROOM_DIR}/`, '720p', 'r1'), `${ROOM_DIR}/720p/r1.m3u8`);
  assert.equal(initSegmentName('r000012'), 'r000012-init.mp4');
  assert.equal(segmentFileName('r000012', 7), 'r000012-7.m4s');
});

test('fps values and GOP sizes', () => {
  assert.equal(fpsValue(30), '30');
  assert.equal(fpsValue(29.97), '30000/1001');
  assert.equal(fpsValue(30000 / 1001), '30000/1001');
  assert.equal(fpsValue(59.94), '60000/1001');
  assert.equal(fpsValue(23.976), '24000/1001');
  assert.equal(fpsValue(12.5), '12.5');
  assert.equal(gopFrames(29.97, 2), 60);
  assert.equal(gopFrames(12.5, 2), 25);
  assert.equal(gopFrames(1, 0.2), 1);
});

test('refuses what would write to the wrong place or cannot be encoded', () => {
  const good = job(DEFAULT_LADDER, { width: 1280, height: 720, fps: 30, hasAudio: true });
  assert.throws(() => buildLadderArgv({ ...good, runId: '../x' }, softwareBackend), /runId/);
  assert.throws(() => buildLadderArgv({ ...good, roomDir: '/hls/100%' }, softwareBackend), /%/);
  assert.throws(() => buildLadderArgv({ ...good, segmentSeconds: 0 }, softwareBackend), /segment/);
  assert.throws(() => buildLadderArgv({ ...good, renditions: [] }, softwareBackend), /at least/);
  const h264Only = { ...softwareBackend, name: 'h264-only', codecs: ['h264'] as const };
  assert.doesNotThrow(() => buildLadderArgv(good, h264Only));
  const vp9 = job([{ name: 'v', codec: 'vp9', height: 360, videoKbps: 600, audioKbps: 64 }], {
    width: 640,
    height: 360,
    fps: 30,
    hasAudio: true,
  });
  assert.throws(() => buildLadderArgv(vp9, h264Only), /h264-only backend cannot encode vp9/);
});
