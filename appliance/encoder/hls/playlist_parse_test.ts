import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { attributes, fileName, parseMediaPlaylist, programDateTimeMs } from './playlist_parse.ts';

const FFMPEG = '/usr/bin/ffmpeg';

// Written by ffmpeg 5.1.9 (Debian 12) mid-run: -f hls -hls_time 2 -hls_list_size 10
// -hls_segment_type fmp4 -hls_flags independent_segments+program_date_time+delete_segments
// +temp_file. Note EXTINF comes before EXT-X-PROGRAM-DATE-TIME and the `+0000` zone.
const FFMPEG_LIVE = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:1
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="r000012-init.mp4"
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T00:10:05.856+0000
r000012-1.m4s
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T00:10:07.856+0000
r000012-2.m4s
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T00:10:09.856+0000
r000012-3.m4s
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T00:10:11.856+0000
r000012-4.m4s
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T00:10:13.856+0000
r000012-5.m4s
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T00:10:15.856+0000
r000012-6.m4s
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T00:10:17.856+0000
r000012-7.m4s
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T00:10:19.856+0000
r000012-8.m4s
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T00:10:21.856+0000
r000012-9.m4s
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T00:10:23.856+0000
r000012-10.m4s
`;

// The same ffmpeg after its input ended (-t 9): a short last segment and ENDLIST.
const FFMPEG_ENDED = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="r000012-init.mp4"
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T00:09:44.300+0000
r000012-0.m4s
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T00:09:46.300+0000
r000012-1.m4s
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T00:09:48.300+0000
r000012-2.m4s
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T00:09:50.300+0000
r000012-3.m4s
#EXTINF:1.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T00:09:52.300+0000
r000012-4.m4s
#EXT-X-ENDLIST
`;

describe('parseMediaPlaylist', () => {
  it("reads ffmpeg 5.1's live fMP4 playlist", () => {
    const parsed = parseMediaPlaylist(FFMPEG_LIVE);
    assert.equal(parsed.targetDuration, 2);
    assert.equal(parsed.mediaSequence, 1);
    assert.equal(parsed.discontinuitySequence, 0);
    assert.equal(parsed.map, 'r000012-init.mp4');
    assert.equal(parsed.ended, false);
    assert.equal(parsed.segments.length, 10);
    assert.deepEqual(parsed.segments[0], {
      uri: 'r000012-1.m4s',
      duration: 2,
      programDateTime: '2026-11-21T00:10:05.856+0000',
      sequence: 1,
      discontinuity: false,
      map: 'r000012-init.mp4',
    });
    assert.deepEqual(
      parsed.segments.map((segment) => segment.sequence),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.equal(parsed.segments.at(-1)!.uri, 'r000012-10.m4s');
  });

  it('reads the ended one: short last segment, ENDLIST', () => {
    const parsed = parseMediaPlaylist(FFMPEG_ENDED);
    assert.equal(parsed.ended, true);
    assert.equal(parsed.segments.length, 5);
    assert.equal(parsed.segments.at(-1)!.duration, 1);
    assert.equal(parsed.segments.at(-1)!.sequence, 4);
  });

  it(
    'reads what this ffmpeg writes now',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'roomcast-parse-'));
      try {
        await promisify(execFile)(FFMPEG, [
          ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi'],
          ...['-i', 'testsrc2=size=64x48:rate=10', '-t', '3', '-c:v', 'libx264', '-g', '10'],
          ...['-f', 'hls', '-hls_time', '1', '-hls_list_size', '10', '-hls_segment_type', 'fmp4'],
          ...['-hls_flags', 'independent_segments+program_date_time+temp_file'],
          ...['-hls_fmp4_init_filename', 'r7-init.mp4'],
          ...['-hls_segment_filename', join(dir, 'r7-%d.m4s'), join(dir, 'r7.m3u8')],
        ]);
        const parsed = parseMediaPlaylist(await readFile(join(dir, 'r7.m3u8'), 'utf8'));
        assert.equal(parsed.map, 'r7-init.mp4');
        assert.deepEqual(parsed.segments.map((s) => s.uri), ['r7-0.m4s', 'r7-1.m4s', 'r7-2.m4s']);
        const total = parsed.segments.reduce((sum, s) => sum + s.duration, 0);
        assert.ok(Math.abs(total - 3) < 0.01, `durations add up to ${total}`);
        for (const segment of parsed.segments) {
          assert.notEqual(programDateTimeMs(segment.programDateTime!), null);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('takes the file name of paths and URLs, tolerates CRLF, BOM, other tags and order', () => {
    const parsed = parseMediaPlaylist(
      [
        '\uFEFF#EXTM3U',
        '#EXT-X-VERSION:6',
        '#EXT-X-ALLOW-CACHE:NO',
        '#EXT-X-PLAYLIST-TYPE:EVENT',
        '#EXT-X-TARGETDURATION:4',
        '# a comment',
        '#EXT-X-MAP:URI="/var/hls/room/720p/r3-init.mp4",BYTERANGE="800@0"',
        '#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00Z',
        '#EXTINF:3.5,some title',
        '/var/hls/room/720p/r3-0.m4s',
        '',
        '#EXTINF:4',
        'https://cdn.example/room/720p/r3-1.m4s?token=a#x',
        '',
      ].join('\r\n'),
    );
    assert.equal(parsed.targetDuration, 4);
    assert.equal(parsed.map, 'r3-init.mp4');
    assert.deepEqual(
      parsed.segments.map((s) => [s.uri, s.duration, s.programDateTime]),
      [['r3-0.m4s', 3.5, '2026-01-01T00:00:00Z'], ['r3-1.m4s', 4, null]],
    );
  });

  it('reads discontinuities, map changes and the discontinuity sequence', () => {
    const parsed = parseMediaPlaylist(
      [
        '#EXTM3U',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MEDIA-SEQUENCE:40',
        '#EXT-X-DISCONTINUITY-SEQUENCE:3',
        '#EXT-X-MAP:URI="r1-init.mp4"',
        '#EXTINF:2.000,',
        'r1-9.m4s',
        '#EXT-X-DISCONTINUITY',
        '#EXT-X-MAP:URI="r2-init.mp4"',
        '#EXTINF:2.000,',
        'r2-0.m4s',
        '#EXT-X-ENDLIST',
        '',
      ].join('\n'),
    );
    assert.equal(parsed.discontinuitySequence, 3);
    assert.equal(parsed.map, 'r1-init.mp4');
    assert.deepEqual(
      parsed.segments.map((s) => [s.sequence, s.discontinuity, s.map]),
      [[40, false, 'r1-init.mp4'], [41, true, 'r2-init.mp4']],
    );
    assert.equal(parsed.ended, true);
  });

  it('drops a segment without a usable EXTINF but keeps counting sequence numbers', () => {
    const parsed = parseMediaPlaylist(
      '#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:5\n#EXTINF:abc,\nr1-5.m4s\n#EXTINF:2,\nr1-6.m4s\n',
    );
    assert.deepEqual(parsed.segments.map((s) => [s.uri, s.sequence]), [['r1-6.m4s', 6]]);
  });

  it('ignores a URI cut off by a writer mid-line (no final newline)', () => {
    const whole = '#EXTM3U\n#EXTINF:2,\nr1-0.m4s\n#EXTINF:2,\nr1-1.m4s\n';
    assert.equal(parseMediaPlaylist(whole).segments.length, 2);
    assert.deepEqual(
      parseMediaPlaylist(whole.slice(0, -3)).segments.map((s) => s.uri),
      ['r1-0.m4s'],
    );
  });

  it('refuses what is not a playlist', () => {
    assert.throws(() => parseMediaPlaylist(''), /not an HLS playlist/);
    assert.throws(() => parseMediaPlaylist('<html>'), /not an HLS playlist/);
  });
});

describe('programDateTimeMs', () => {
  it("accepts Z, +00:00 and ffmpeg's +0000, with or without fractions", () => {
    const expected = Date.UTC(2026, 10, 21, 0, 9, 44, 300);
    assert.equal(programDateTimeMs('2026-11-21T00:09:44.300+0000'), expected);
    assert.equal(programDateTimeMs('2026-11-21T00:09:44.300+00:00'), expected);
    assert.equal(programDateTimeMs('2026-11-21T00:09:44.300Z'), expected);
    assert.equal(programDateTimeMs('2026-11-21T02:09:44.300+0200'), expected);
    assert.equal(programDateTimeMs('2026-11-21T00:09:44Z'), expected - 300);
  });

  it('returns null for anything else', () => {
    assert.equal(programDateTimeMs('yesterday'), null);
    assert.equal(programDateTimeMs('2026-13-45T00:00:00Z'), null);
  });
});

describe('helpers', () => {
  it('fileName and attributes', () => {
    assert.equal(fileName('a/b/c.m4s'), 'c.m4s');
    assert.equal(fileName('c.m4s?x=1'), 'c.m4s');
    const found = attributes('URI="a,b.mp4",BYTERANGE="10@0",X=1');
    assert.equal(found.get('URI'), 'a,b.mp4');
    assert.equal(found.get('BYTERANGE'), '10@0');
    assert.equal(found.get('X'), '1');
  });
});
