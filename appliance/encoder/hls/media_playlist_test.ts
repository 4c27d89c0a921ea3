import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  captureShiftMs,
  createRenditionPlaylist,
  MAX_CAPTURE_LEAD_MS,
  type RenditionPlaylist,
} from './media_playlist.ts';
import { type ParsedPlaylist, parseMediaPlaylist } from './playlist_parse.ts';

const T0 = Date.parse('2026-05-01T10:00:00.000Z');

/**
 * A stand-in for one ffmpeg run: its private playlist as ffmpeg 5.1 writes it (list size 10,
 * EXTINF before the `+0000` program date time), one segment more on every add().
 */
function ffmpegRun(runId: string, startMs: number, options: { dates?: boolean } = {}) {
  const durations: number[] = [];
  const text = () => {
    const first = Math.max(0, durations.length - 10);
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      `#EXT-X-TARGETDURATION:${Math.max(2, ...durations.map(Math.round))}`,
      `#EXT-X-MEDIA-SEQUENCE:${first}`,
      '#EXT-X-INDEPENDENT-SEGMENTS',
      `#EXT-X-MAP:URI="${runId}-init.mp4"`,
    ];
    let at = startMs + durations.slice(0, first).reduce((a, b) => a + b, 0) * 1000;
    for (let n = first; n < durations.length; n++) {
      lines.push(`#EXTINF:${durations[n]!.toFixed(6)},`);
      if (options.dates !== false) {
        lines.push(
          `#EXT-X-PROGRAM-DATE-TIME:${new Date(at).toISOString().replace('Z', '+0000')}`,
        );
      }
      lines.push(`${runId}-${n}.m4s`);
      at += durations[n]! * 1000;
    }
    return lines.join('\n') + '\n';
  };
  return {
    runId,
    /** ffmpeg finished another segment; returns its playlist now. */
    add(duration = 2): ParsedPlaylist {
      durations.push(duration);
      return parseMediaPlaylist(text());
    },
    parsed: () => parseMediaPlaylist(text()),
    endMs: () => startMs + durations.reduce((a, b) => a + b, 0) * 1000,
  };
}

/**
 * Checks what a player relies on across successive renders: MEDIA-SEQUENCE never goes
 * back, a sequence number always names the same file, and a segment's discontinuity number
 * (DISCONTINUITY-SEQUENCE plus the tags up to it) never changes while it is listed.
 */
function playerView() {
  const uriOf = new Map<number, string>();
  const discontinuityOf = new Map<number, number>();
  let lastMediaSequence = -1;
  return (text: string) => {
    const parsed = parseMediaPlaylist(text);
    assert.ok(parsed.mediaSequence >= lastMediaSequence, 'MEDIA-SEQUENCE went back');
    lastMediaSequence = parsed.mediaSequence;
    let discontinuity = parsed.discontinuitySequence;
    let previous = -1;
    for (const segment of parsed.segments) {
      if (segment.discontinuity) discontinuity++;
      assert.ok(segment.sequence > previous);
      previous = segment.sequence;
      assert.equal(uriOf.get(segment.sequence) ?? segment.uri, segment.uri);
      uriOf.set(segment.sequence, segment.uri);
      assert.equal(
        discontinuityOf.get(segment.sequence) ?? discontinuity,
        discontinuity,
        `discontinuity number of ${segment.uri} changed`,
      );
      discontinuityOf.set(segment.sequence, discontinuity);
      assert.notEqual(segment.programDateTime, null, `${segment.uri} has no date`);
      assert.match(segment.map ?? '', /-init\.mp4$/);
    }
    return parsed;
  };
}

const create = (windowSegments = 6, keepExtraSegments = 2, now = () => T0) =>
  createRenditionPlaylist({ targetDuration: 2, windowSegments, keepExtraSegments, now });

describe('createRenditionPlaylist: three ffmpeg runs stitched', () => {
  const playlist = create();
  const view = playerView();
  const a = ffmpegRun('r000001', T0);
  const b = ffmpegRun('r000002', T0 + 13_000); // after a 3 s restart
  const c = ffmpegRun('r000003', T0 + 22_000);
  const step = (run: ReturnType<typeof ffmpegRun>) => {
    const added = playlist.ingest(run.runId, run.add());
    const text = playlist.render();
    view(text);
    return { added, text, expired: playlist.expired() };
  };

  it('run A: five segments from sequence 0, one MAP at the top, no discontinuity', () => {
    for (let i = 0; i < 5; i++) {
      const { added, expired } = step(a);
      assert.deepEqual(added.map((s) => [s.uri, s.sequence]), [[`r000001-${i}.m4s`, i]]);
      assert.deepEqual(expired, []);
    }
    const text = playlist.render();
    assert.equal((text.match(/#EXT-X-MAP/g) ?? []).length, 1);
    assert.doesNotMatch(text, /#EXT-X-DISCONTINUITY\n/);
    assert.doesNotMatch(text, /ENDLIST/);
    assert.match(text, /#EXT-X-MEDIA-SEQUENCE:0\n/);
    assert.match(text, /#EXT-X-PROGRAM-DATE-TIME:2026-05-01T10:00:00.000Z\n#EXTINF:2.000,\n/);
  });

  it('run B: continues at sequence 5 after a DISCONTINUITY and its own MAP', () => {
    const first = step(b);
    assert.deepEqual(first.added, [{
      uri: 'r000002-0.m4s',
      duration: 2,
      programDateTime: '2026-05-01T10:00:13.000Z',
      runId: 'r000002',
      sequence: 5,
      discontinuity: true,
      map: 'r000002-init.mp4',
    }]);
    assert.match(
      first.text,
      /r000001-4.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="r000002-init.mp4"\n#EXT-X-PROGRAM-DATE-TIME:2026-05-01T10:00:13.000Z\n#EXTINF:2.000,\nr000002-0.m4s\n/,
    );
    assert.match(first.text, /#EXT-X-MEDIA-SEQUENCE:0\n/); // exactly full: 6 segments
    assert.deepEqual(first.expired, []);
    const second = step(b);
    assert.equal(second.added[0]!.discontinuity, false);
    // A's first segment left the playlist but stays on disk (one of 2 kept).
    assert.match(second.text, /#EXT-X-MEDIA-SEQUENCE:1\n/);
    assert.deepEqual(step(b).expired, []); // 8 segments = window 6 + 2 kept
  });

  it('run C: a second seam; files fall out only past window + kept extra', () => {
    const expired: string[][] = [];
    for (let i = 0; i < 4; i++) {
      const { added, expired: gone } = step(c);
      assert.equal(added[0]!.discontinuity, i === 0);
      assert.equal(added[0]!.sequence, 8 + i);
      expired.push(gone);
    }
    assert.deepEqual(expired, [
      ['r000001-0.m4s'],
      ['r000001-1.m4s'],
      ['r000001-2.m4s'],
      ['r000001-3.m4s'],
    ]);
    // B's seam (sequence 5) scrolled out with the last add: the count moves to 1.
    assert.equal(
      playlist.render(),
      `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:6
#EXT-X-DISCONTINUITY-SEQUENCE:1
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="r000002-init.mp4"
#EXT-X-PROGRAM-DATE-TIME:2026-05-01T10:00:15.000Z
#EXTINF:2.000,
r000002-1.m4s
#EXT-X-PROGRAM-DATE-TIME:2026-05-01T10:00:17.000Z
#EXTINF:2.000,
r000002-2.m4s
#EXT-X-DISCONTINUITY
#EXT-X-MAP:URI="r000003-init.mp4"
#EXT-X-PROGRAM-DATE-TIME:2026-05-01T10:00:22.000Z
#EXTINF:2.000,
r000003-0.m4s
#EXT-X-PROGRAM-DATE-TIME:2026-05-01T10:00:24.000Z
#EXTINF:2.000,
r000003-1.m4s
#EXT-X-PROGRAM-DATE-TIME:2026-05-01T10:00:26.000Z
#EXTINF:2.000,
r000003-2.m4s
#EXT-X-PROGRAM-DATE-TIME:2026-05-01T10:00:28.000Z
#EXTINF:2.000,
r000003-3.m4s
`,
    );
    assert.deepEqual(
      [...playlist.referencedFiles()].sort(),
      [
        'r000001-4.m4s',
        'r000001-init.mp4',
        'r000002-0.m4s',
        'r000002-1.m4s',
        'r000002-2.m4s',
        'r000002-init.mp4',
        'r000003-0.m4s',
        'r000003-1.m4s',
        'r000003-2.m4s',
        'r000003-3.m4s',
        'r000003-init.mp4',
      ],
    );
  });

  it("A's init segment expires with A's last kept segment; C's seam scrolls out later", () => {
    assert.deepEqual(step(c).expired, ['r000001-4.m4s', 'r000001-init.mp4']);
    assert.deepEqual(playlist.expired(), [], 'each name is returned once');
    step(c);
    const { text } = step(c); // sequence 14: C's first segment (8) leaves the window
    assert.match(text, /#EXT-X-MEDIA-SEQUENCE:9\n#EXT-X-DISCONTINUITY-SEQUENCE:2\n/);
    assert.doesNotMatch(text, /#EXT-X-DISCONTINUITY\n/);
    assert.match(text, /INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI="r000003-init.mp4"\n/);
  });

  it('no ENDLIST until end(), then exactly one at the end', () => {
    assert.equal(playlist.isEnded(), false);
    assert.doesNotMatch(playlist.render(), /ENDLIST/);
    playlist.end();
    assert.ok(playlist.render().endsWith('r000003-6.m4s\n#EXT-X-ENDLIST\n'));
  });
});

describe('createRenditionPlaylist: ingest', () => {
  it('returns only segments not seen before; a repeated read adds nothing', () => {
    const playlist = create();
    const run = ffmpegRun('r1', T0);
    run.add();
    const parsed = run.add();
    assert.equal(playlist.ingest('r1', parsed).length, 2);
    assert.deepEqual(playlist.ingest('r1', parsed), []);
    assert.deepEqual(playlist.ingest('r1', run.add()).map((s) => s.uri), ['r1-2.m4s']);
  });

  it('follows ffmpeg past its own list size of 10', () => {
    const playlist = create(6, 0);
    const run = ffmpegRun('r1', T0);
    for (let i = 0; i < 25; i++) playlist.ingest('r1', run.add());
    const window = playlist.window();
    assert.deepEqual(window.map((s) => s.sequence), [19, 20, 21, 22, 23, 24]);
    assert.ok(window.every((s) => !s.discontinuity));
  });

  it('marks a gap inside a run (the poll fell behind ffmpeg by more than its list)', () => {
    const playlist = create(20, 0);
    const run = ffmpegRun('r1', T0);
    playlist.ingest('r1', run.add());
    for (let i = 0; i < 12; i++) run.add(); // segments 1..12; ffmpeg lists 3..12
    const added = playlist.ingest('r1', run.parsed());
    assert.equal(added[0]!.uri, 'r1-3.m4s');
    assert.equal(added[0]!.discontinuity, true);
    assert.equal(added[0]!.sequence, 1, 'public sequence numbers have no holes');
    assert.ok(added.slice(1).every((s) => !s.discontinuity));
  });

  it('ignores a run that was replaced: late segments of a dead ffmpeg never follow new ones', () => {
    const playlist = create();
    const a = ffmpegRun('r1', T0);
    const b = ffmpegRun('r2', T0 + 5_000);
    playlist.ingest('r1', a.add());
    playlist.ingest('r2', b.add());
    assert.deepEqual(playlist.ingest('r1', a.add()), []);
    assert.deepEqual(playlist.window().map((s) => s.uri), ['r1-0.m4s', 'r2-0.m4s']);
    assert.equal(playlist.currentRunId(), 'r2');
  });

  it('keeps the seam for a new run that has no segment yet', () => {
    const playlist = create();
    playlist.ingest('r1', ffmpegRun('r1', T0).add());
    const b = ffmpegRun('r2', T0 + 4_000);
    assert.deepEqual(playlist.ingest('r2', parseMediaPlaylist('#EXTM3U\n')), []);
    assert.equal(playlist.ingest('r2', b.add())[0]!.discontinuity, true);
  });

  it('dates segments ffmpeg gave no date: from the previous one, or the clock at a seam', () => {
    let clock = T0 + 60_000;
    const playlist = create(6, 2, () => clock);
    const a = ffmpegRun('r1', T0, { dates: false });
    a.add(2);
    const first = playlist.ingest('r1', a.add(1.5));
    // Nothing before: the two segments are taken as just finished.
    assert.deepEqual(first.map((s) => s.programDateTime), [
      '2026-05-01T10:00:56.500Z',
      '2026-05-01T10:00:58.500Z',
    ]);
    clock += 30_000;
    assert.equal(playlist.ingest('r1', a.add())[0]!.programDateTime, '2026-05-01T10:01:00.000Z');
    const b = ffmpegRun('r2', 0, { dates: false });
    assert.equal(playlist.ingest('r2', b.add())[0]!.programDateTime, '2026-05-01T10:01:28.000Z');
    for (const line of playlist.render().split('\n').filter((l) => l.startsWith('#EXTINF'))) {
      assert.match(line, /^#EXTINF:\d+\.\d{3},$/);
    }
  });

  it('TARGETDURATION: never below the configured, rounded, never shrinking', () => {
    const playlist = create(3, 0);
    const run = ffmpegRun('r1', T0);
    playlist.ingest('r1', run.add(2.4));
    assert.match(playlist.render(), /#EXT-X-TARGETDURATION:2\n/);
    playlist.ingest('r1', run.add(2.6));
    assert.match(playlist.render(), /#EXT-X-TARGETDURATION:3\n/);
    for (let i = 0; i < 5; i++) playlist.ingest('r1', run.add(1));
    assert.match(playlist.render(), /#EXT-X-TARGETDURATION:3\n/);
    const short = createRenditionPlaylist({
      targetDuration: 4,
      windowSegments: 3,
      keepExtraSegments: 0,
    });
    short.ingest('r1', ffmpegRun('r1', T0).add(1));
    assert.match(short.render(), /#EXT-X-TARGETDURATION:4\n/);
  });

  it('reopens after end() when the room comes back, behind a seam', () => {
    const playlist = create();
    playlist.ingest('r1', ffmpegRun('r1', T0).add());
    playlist.end();
    assert.deepEqual(playlist.ingest('r1', ffmpegRun('r1', T0).parsed()), []);
    assert.match(playlist.render(), /ENDLIST/, 'a read with nothing new keeps it ended');
    const added = playlist.ingest('r2', ffmpegRun('r2', T0 + 60_000).add());
    assert.equal(added[0]!.discontinuity, true);
    assert.equal(playlist.isEnded(), false);
    assert.doesNotMatch(playlist.render(), /ENDLIST/);
  });

  it('renders a valid empty playlist before the first segment', () => {
    const text = create().render();
    assert.match(text, /#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n/);
    assert.deepEqual(parseMediaPlaylist(text).segments, []);
  });
});

describe("createRenditionPlaylist: program date times on the publisher's capture clock", () => {
  const datesOf = (playlist: RenditionPlaylist) =>
    playlist.window().map((segment) => segment.programDateTime);

  it("moves a whole run so segment 0 starts at the capture time; ffmpeg's spacing stays", () => {
    const playlist = create();
    // ffmpeg stamped its muxer start 1.4 s after the first frame was captured.
    const run = ffmpegRun('r1', T0 + 1400);
    assert.equal(playlist.currentRunShiftMs(), undefined);
    playlist.ingest(run.runId, run.add(2), undefined, T0);
    assert.equal(playlist.currentRunShiftMs(), -1400);
    // Later reads pass the same capture start (or none): the run's shift is kept.
    playlist.ingest(run.runId, run.add(1.9), undefined, T0);
    playlist.ingest(run.runId, run.add(2.1));
    assert.deepEqual(datesOf(playlist), [
      '2026-05-01T10:00:00.000Z',
      '2026-05-01T10:00:02.000Z',
      '2026-05-01T10:00:03.900Z',
    ]);
    assert.match(playlist.render(), /#EXT-X-PROGRAM-DATE-TIME:2026-05-01T10:00:00.000Z\n/);
  });

  it("each run has its own shift; a publisher without a capture clock keeps ffmpeg's", () => {
    const playlist = create();
    const a = ffmpegRun('r1', T0 + 1400);
    playlist.ingest(a.runId, a.add(), undefined, T0);
    // A reconnect: the new connection's clock, ffmpeg 0.3 s behind it this time.
    const b = ffmpegRun('r2', T0 + 10_300);
    playlist.ingest(b.runId, b.add(), undefined, T0 + 10_000);
    assert.equal(playlist.currentRunShiftMs(), -300);
    // Another publisher (OBS) takes over: nothing to move by.
    const c = ffmpegRun('r3', T0 + 20_000);
    playlist.ingest(c.runId, c.add(), undefined, null);
    assert.equal(playlist.currentRunShiftMs(), null);
    assert.deepEqual(datesOf(playlist), [
      '2026-05-01T10:00:00.000Z',
      '2026-05-01T10:00:10.000Z',
      '2026-05-01T10:00:20.000Z',
    ]);
  });

  it("keeps ffmpeg's clock when the capture time is after its stamp or far before it", () => {
    for (const capture of [T0 + 1401, T0 + 1400 - MAX_CAPTURE_LEAD_MS - 1]) {
      const playlist = create();
      const run = ffmpegRun('r1', T0 + 1400);
      playlist.ingest(run.runId, run.add(), undefined, capture);
      assert.equal(playlist.currentRunShiftMs(), null);
      assert.deepEqual(datesOf(playlist), ['2026-05-01T10:00:01.400Z']);
    }
    assert.equal(captureShiftMs(T0, T0), 0, 'the same instant is possible');
    assert.equal(captureShiftMs(T0 - MAX_CAPTURE_LEAD_MS, T0), -MAX_CAPTURE_LEAD_MS);
    assert.equal(captureShiftMs(Number.NaN, T0), null);
  });

  it("keeps ffmpeg's clock for a run whose segment 0 was never seen", () => {
    const playlist = create();
    const run = ffmpegRun('r1', T0 + 1400);
    for (let i = 0; i < 12; i++) run.add();
    // ffmpeg's list (10) already slid past segment 0: its stamp is gone with it.
    playlist.ingest(run.runId, run.parsed(), undefined, T0);
    assert.equal(playlist.currentRunShiftMs(), null);
    assert.equal(playlist.window().at(-1)!.programDateTime, '2026-05-01T10:00:23.400Z');
  });
});

describe('createRenditionPlaylist: bit rates', () => {
  it('peak over 0.5-1.5 target durations: a short heavy segment alone does not count', () => {
    const playlist = create(6, 2);
    const run = ffmpegRun('r1', T0);
    const sizes = new Map([
      ['r1-0.m4s', 500_000], // 2 s: 2 Mbit/s
      ['r1-1.m4s', 1_000_000], // 2 s: 4 Mbit/s
      ['r1-2.m4s', 400_000], // 0.5 s: 6.4 Mbit/s alone, too short to count alone
    ]);
    const bytesOf = (uri: string) => sizes.get(uri) ?? 0;
    assert.equal(playlist.peakBitsPerSecond(), null);
    playlist.ingest('r1', run.add(2), bytesOf);
    assert.equal(playlist.peakBitsPerSecond(), 2_000_000);
    playlist.ingest('r1', run.add(2), bytesOf);
    assert.equal(playlist.peakBitsPerSecond(), 4_000_000);
    playlist.ingest('r1', run.add(0.5), bytesOf);
    // Segments 1 and 2 together: 1.4 MB in 2.5 s.
    assert.equal(playlist.peakBitsPerSecond(), 4_480_000);
    assert.equal(playlist.averageBitsPerSecond(), (1_900_000 * 8) / 4.5);
    assert.equal(playlist.window()[2]!.bytes, 400_000);
  });

  it('a long segment (raising TARGETDURATION) counts; unknown sizes (0) count for nothing', () => {
    const playlist = create();
    const run = ffmpegRun('r1', T0);
    playlist.ingest('r1', run.add(4), () => 2_000_000);
    assert.equal(playlist.peakBitsPerSecond(), 4_000_000);
    playlist.ingest('r1', run.add(2), () => 0);
    assert.equal(playlist.window()[1]!.bytes, undefined);
    assert.equal(playlist.peakBitsPerSecond(), 4_000_000);
  });
});

describe('createRenditionPlaylist: restore after an agent restart', () => {
  const build = (ended = false) => {
    const playlist = create();
    const a = ffmpegRun('r000001', T0);
    const b = ffmpegRun('r000002', T0 + 20_000);
    for (let i = 0; i < 6; i++) playlist.ingest(a.runId, a.add());
    for (let i = 0; i < 4; i++) playlist.ingest(b.runId, b.add());
    if (ended) playlist.end();
    playlist.expired();
    return { playlist, b };
  };

  it('renders exactly what it restored, ENDLIST included', () => {
    const { playlist } = build(true);
    const restored = create();
    assert.equal(restored.restore(playlist.render()), true);
    assert.equal(restored.render(), playlist.render());
    assert.equal(restored.isEnded(), true);
    assert.deepEqual(restored.window(), playlist.window());
    assert.deepEqual(restored.expired(), []);
  });

  it('continues the sequence; the next run gets a seam and its MAP', () => {
    const { playlist } = build();
    const view = playerView();
    view(playlist.render());
    const restored = create();
    restored.restore(playlist.render());
    const c = ffmpegRun('r000003', T0 + 60_000);
    const added = restored.ingest(c.runId, c.add());
    assert.deepEqual(
      [added[0]!.sequence, added[0]!.discontinuity, added[0]!.map],
      [10, true, 'r000003-init.mp4'],
    );
    for (let i = 0; i < 6; i++) restored.ingest(c.runId, c.add());
    const parsed = view(restored.render());
    assert.equal(parsed.mediaSequence, 11);
    assert.equal(parsed.discontinuitySequence, 2);
    // The restored window's segments leave through expired() like any other.
    assert.deepEqual(restored.expired(), [
      'r000001-4.m4s',
      'r000001-5.m4s',
      'r000001-init.mp4',
      'r000002-0.m4s',
      'r000002-1.m4s',
      'r000002-2.m4s',
    ]);
  });

  it('the same ffmpeg run, still going, continues without a seam or duplicates', () => {
    const { playlist, b } = build();
    const restored = create();
    restored.restore(playlist.render());
    const added = restored.ingest(b.runId, b.add());
    assert.deepEqual(added.map((s) => [s.uri, s.sequence, s.discontinuity]), [
      ['r000002-4.m4s', 10, false],
    ]);
  });

  it('the same run whose last published segment scrolled out of ffmpeg: a seam', () => {
    const { playlist, b } = build();
    const restored = create();
    restored.restore(playlist.render());
    for (let i = 0; i < 12; i++) b.add();
    const added = restored.ingest(b.runId, b.parsed());
    assert.equal(added[0]!.uri, 'r000002-6.m4s');
    assert.equal(added[0]!.discontinuity, true);
  });

  it('a run replaced before the restart stays ignored', () => {
    const { playlist } = build();
    const restored = create();
    restored.restore(playlist.render());
    assert.deepEqual(restored.ingest('r000001', ffmpegRun('r000001', T0).add()), []);
  });

  it('a smaller window after the restart counts the seams it drops', () => {
    const { playlist } = build();
    const restored = create(3, 0);
    restored.restore(playlist.render());
    assert.match(restored.render(), /#EXT-X-MEDIA-SEQUENCE:7\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n/);
    assert.deepEqual(restored.expired(), [
      'r000001-4.m4s',
      'r000001-5.m4s',
      'r000001-init.mp4',
      'r000002-0.m4s',
    ]);
  });

  it('starts empty when the file is not a playlist', () => {
    const restored: RenditionPlaylist = create();
    assert.equal(restored.restore('garbage'), false);
    assert.equal(restored.ingest('r1', ffmpegRun('r1', T0).add())[0]!.sequence, 0);
  });
});
