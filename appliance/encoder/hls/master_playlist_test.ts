import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { codecsFromInitSegment, renderMasterPlaylist } from './master_playlist.ts';

const FFMPEG = '/usr/bin/ffmpeg';

describe('renderMasterPlaylist', () => {
  it('writes BANDWIDTH, CODECS, RESOLUTION, FRAME-RATE; audio-only without picture fields', () => {
    const text = renderMasterPlaylist([
      {
        name: '720p',
        uri: '720p/index.m3u8',
        bandwidth: 3_300_000.2,
        averageBandwidth: 2_900_000,
        width: 1280,
        height: 720,
        frameRate: 30,
        codecs: ['avc1.64001f', 'mp4a.40.2'],
      },
      {
        name: '360p',
        uri: '360p/index.m3u8',
        bandwidth: 900_000,
        width: 640,
        height: 360,
        frameRate: 30000 / 1001,
        codecs: ['vp09.00.21.08', 'mp4a.40.2'],
      },
      {
        name: 'audio',
        uri: 'audio/index.m3u8',
        bandwidth: 96_000,
        width: 640,
        height: 360,
        frameRate: 30,
        codecs: ['mp4a.40.2'],
      },
    ]);
    assert.equal(
      text,
      `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-STREAM-INF:BANDWIDTH=3300001,AVERAGE-BANDWIDTH=2900000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=30.000
720p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS="vp09.00.21.08,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=29.970
360p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=96000,CODECS="mp4a.40.2"
audio/index.m3u8
`,
    );
  });

  it('one shared audio group: EXT-X-MEDIA, AUDIO= on each video variant, its codec in CODECS', () => {
    const audio = { uri: 'audio/index.m3u8', codecs: ['mp4a.40.2'], channels: 2 };
    const text = renderMasterPlaylist([
      {
        name: 'source',
        uri: 'source/index.m3u8',
        bandwidth: 2_600_000,
        width: 1280,
        height: 720,
        frameRate: 30,
        codecs: ['avc1.64001f'],
        withAudioGroup: true,
      },
      {
        name: '360p',
        uri: '360p/index.m3u8',
        bandwidth: 980_000,
        width: 640,
        height: 360,
        frameRate: 30,
        codecs: ['avc1.4d401e'],
        withAudioGroup: true,
      },
      { name: 'audio', uri: 'audio/index.m3u8', bandwidth: 100_000, codecs: ['mp4a.40.2'] },
    ], audio);
    assert.equal(
      text,
      `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="audio",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=2600000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=30.000,AUDIO="audio"
source/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=980000,CODECS="avc1.4d401e,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=30.000,AUDIO="audio"
360p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=100000,CODECS="mp4a.40.2"
audio/index.m3u8
`,
    );
    const video = {
      name: 'v',
      uri: 'v/index.m3u8',
      bandwidth: 1,
      codecs: [],
      withAudioGroup: true,
    };
    assert.throws(() => renderMasterPlaylist([video]), /audio group the playlist does not have/);
    assert.throws(() => renderMasterPlaylist([video], { ...audio, uri: 'a b' }), /bad uri/);
  });

  it('keeps the given order (the first variant is where Apple players start)', () => {
    const text = renderMasterPlaylist([
      { name: 'low', uri: 'low/index.m3u8', bandwidth: 500_000, codecs: ['avc1.42c01e'] },
      { name: 'high', uri: 'high/index.m3u8', bandwidth: 5_000_000, codecs: ['avc1.640028'] },
    ]);
    assert.ok(text.indexOf('low/index.m3u8') < text.indexOf('high/index.m3u8'));
  });

  it('leaves CODECS out when unknown, keeping the given picture size', () => {
    const text = renderMasterPlaylist([
      {
        name: 'source',
        uri: 'source/index.m3u8',
        bandwidth: 1,
        width: 1920,
        height: 1080,
        codecs: [],
      },
    ]);
    assert.match(text, /#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=1920x1080\nsource\/index.m3u8\n/);
  });

  it('refuses values that would break the playlist', () => {
    const base = { name: 'x', uri: 'x/index.m3u8', bandwidth: 1000, codecs: ['mp4a.40.2'] };
    assert.throws(() => renderMasterPlaylist([{ ...base, bandwidth: 0 }]), /"x" has no usable/);
    assert.throws(() => renderMasterPlaylist([{ ...base, bandwidth: NaN }]), /bandwidth/);
    assert.throws(() => renderMasterPlaylist([{ ...base, uri: 'a"b' }]), /bad uri/);
    assert.throws(() => renderMasterPlaylist([{ ...base, codecs: ['a,b'] }]), /bad codec/);
  });
});

describe('codecsFromInitSegment on init segments from ffmpeg 5.1', () => {
  let dir = '';
  const video = ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=30'];
  const audio = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];
  // Expected strings from the encoders' known output, not from this parser: x264's profile
  // and constraint flags (main sets constraint_set1, baseline set0+set1), level_idc = level
  // × 10; VP9 and AV1 levels that ffmpeg derives for 160x120@30 (VP9 1.0, AV1 2.0 = idx 0);
  // x265 Main: compatibility flags 1 and 2 (reversed: 6), progressive + frame-only (0x90),
  // level_idc 60 (2.0; ffprobe reports 60 too).
  const cases: { name: string; args: string[]; expected: string[] }[] = [
    {
      name: 'x264 high@3.1',
      args: [...video, '-c:v', 'libx264', '-profile:v', 'high', '-level', '3.1'],
      expected: ['avc1.64001f'],
    },
    {
      name: 'x264 main@3.0',
      args: [...video, '-c:v', 'libx264', '-profile:v', 'main', '-level', '3.0'],
      expected: ['avc1.4d401e'],
    },
    {
      name: 'x264 baseline@3.0',
      args: [...video, '-c:v', 'libx264', '-profile:v', 'baseline', '-level', '3.0'],
      expected: ['avc1.42c01e'],
    },
    {
      name: 'x264 high@4.0 with aac',
      args: [...video, ...audio, '-c:v', 'libx264', '-profile:v', 'high', '-level', '4.0'],
      expected: ['avc1.640028', 'mp4a.40.2'],
    },
    {
      name: 'libvpx-vp9 profile 0',
      args: [...video, '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8'],
      expected: ['vp09.00.10.08'],
    },
    { name: 'aac', args: [...audio, '-c:a', 'aac'], expected: ['mp4a.40.2'] },
    {
      name: 'x265 main as hvc1',
      args: [...video, '-c:v', 'libx265', '-tag:v', 'hvc1', '-x265-params', 'log-level=none'],
      expected: ['hvc1.1.6.L60.90'],
    },
    {
      name: 'x265 main as hev1',
      args: [...video, '-c:v', 'libx265', '-x265-params', 'log-level=none'],
      expected: ['hev1.1.6.L60.90'],
    },
    {
      name: 'libaom-av1',
      args: [...video, '-c:v', 'libaom-av1', '-cpu-used', '8'],
      expected: ['av01.0.00M.08'],
    },
    { name: 'opus', args: [...audio, '-c:a', 'libopus'], expected: ['opus'] },
    { name: 'ac-3', args: [...audio, '-c:a', 'ac3'], expected: ['ac-3'] },
  ];
  const inits = new Map<string, Uint8Array>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roomcast-codecs-'));
    await Promise.all(cases.map(async (c, i) => {
      const out = join(dir, String(i));
      await mkdir(out);
      await promisify(execFile)(FFMPEG, [
        ...['-hide_banner', '-loglevel', 'error', ...c.args, '-t', '1'],
        ...['-f', 'hls', '-hls_time', '1', '-hls_segment_type', 'fmp4'],
        ...['-hls_fmp4_init_filename', 'r1-init.mp4'],
        ...['-hls_segment_filename', join(out, 'r1-%d.m4s'), join(out, 'r1.m3u8')],
      ], { timeout: 60_000 });
      inits.set(c.name, new Uint8Array(await readFile(join(out, 'r1-init.mp4'))));
    }));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const c of cases) {
    it(`${c.name} → ${c.expected.join(',')}`, () => {
      assert.deepEqual(codecsFromInitSegment(inits.get(c.name)!), c.expected);
    });
  }

  it('reads a copy that is not at offset 0 of its buffer', () => {
    const init = inits.get('x264 high@4.0 with aac')!;
    const shifted = new Uint8Array(init.length + 3);
    shifted.set(init, 3);
    assert.deepEqual(codecsFromInitSegment(shifted.subarray(3)), ['avc1.640028', 'mp4a.40.2']);
  });

  it('never throws on a cut file; reads what is whole', () => {
    const init = inits.get('x264 high@4.0 with aac')!;
    for (let length = 0; length < init.length; length += 7) {
      const codecs = codecsFromInitSegment(init.subarray(0, length));
      assert.ok(codecs.length <= 2);
    }
  });
});

describe('codecsFromInitSegment on hand-made boxes', () => {
  it('escaped audio object types (USAC, 42) and MPEG audio without a specific config', () => {
    assert.deepEqual(codecsFromInitSegment(initWith(mp4a(0x40, [0xf9, 0x40]))), ['mp4a.40.42']);
    assert.deepEqual(codecsFromInitSegment(initWith(mp4a(0x40, [0x10, 0x00]))), ['mp4a.40.2']);
    assert.deepEqual(codecsFromInitSegment(initWith(mp4a(0x6b, null))), ['mp4a.6B']);
  });

  it('the original format of an encrypted track (encv/sinf/frma)', () => {
    const avcC = box('avcC', [1, 0x4d, 0x40, 0x1e, 0xff]);
    const sinf = box('sinf', box('frma', ascii('avc1')));
    assert.deepEqual(
      codecsFromInitSegment(initWith(box('encv', new Uint8Array(78), avcC, sinf))),
      ['avc1.4d401e'],
    );
  });

  it('a 64-bit box size and a box running to the end of the file', () => {
    const entry = box('vp09', new Uint8Array(78), box('vpcC', [1, 0, 0, 0, 2, 31, 0xa2]));
    const moov = box('moov', track(entry));
    const large = new Uint8Array(moov.length + 8);
    const view = new DataView(large.buffer);
    view.setUint32(0, 1);
    large.set(ascii('moov'), 4);
    view.setBigUint64(8, BigInt(large.length));
    large.set(moov.subarray(8), 16);
    assert.deepEqual(codecsFromInitSegment(large), ['vp09.02.31.10']);
    const open = moov.slice();
    new DataView(open.buffer).setUint32(0, 0);
    assert.deepEqual(codecsFromInitSegment(open), ['vp09.02.31.10']);
  });

  it('skips unknown tracks and nonsense', () => {
    assert.deepEqual(codecsFromInitSegment(initWith(box('tx3g', new Uint8Array(40)))), []);
    assert.deepEqual(codecsFromInitSegment(new Uint8Array([0, 0, 0, 4, 1, 2, 3])), []);
    const noise = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
    assert.deepEqual(codecsFromInitSegment(noise), []);
  });
});

type Bytes = Uint8Array | number[];

function ascii(text: string): Uint8Array {
  return new Uint8Array([...text].map((c) => c.charCodeAt(0)));
}

function box(type: string, ...payload: Bytes[]): Uint8Array {
  const size = 8 + payload.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  out.set(ascii(type), 4);
  let at = 8;
  for (const part of payload) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function track(entry: Uint8Array): Uint8Array {
  const stsd = box('stsd', [0, 0, 0, 0, 0, 0, 0, 1], entry);
  return box('trak', box('mdia', box('minf', box('stbl', stsd))));
}

function initWith(entry: Uint8Array): Uint8Array {
  const ftyp = box('ftyp', ascii('iso5'), [0, 0, 2, 0]);
  const moov = box('moov', track(entry));
  const out = new Uint8Array(ftyp.length + moov.length);
  out.set(ftyp);
  out.set(moov, ftyp.length);
  return out;
}

/** An mp4a sample entry whose esds holds the given object type and AudioSpecificConfig. */
function mp4a(objectType: number, specific: number[] | null): Uint8Array {
  const dsi = specific ? [0x05, specific.length, ...specific] : [];
  const config = [0x04, 13 + dsi.length, objectType, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...dsi];
  // ES_Descriptor with a 4-byte size, as ffmpeg writes it.
  const es = [0x03, 0x80, 0x80, 0x80, 3 + config.length, 0, 1, 0, ...config];
  return box('mp4a', new Uint8Array(28), box('esds', [0, 0, 0, 0, ...es]));
}
