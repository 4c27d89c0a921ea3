import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRenditionPlaylist } from '../hls/media_playlist.ts';
import type { ParsedPlaylist } from '../hls/playlist_parse.ts';
import { answerLowLatency, type LlSource } from './ll_answer.ts';
import type { LlOutput } from './ll_output.ts';
import { type LlPart, renderLowLatencyPlaylist } from './ll_playlist.ts';
import { type LlRun, lowLatencyView } from './ll_view.ts';

const T0 = Date.parse('2026-12-07T10:00:00.000Z');
const part = (uri: string, independent = false): LlPart => ({
  uri,
  durationSeconds: 0.2,
  independent,
});

/** A run's output as ll_output.ts reports it: `segments` complete, `pending` parts after. */
function runOf(runId: string, segments: number, pending: number): LlRun & { list: ParsedPlaylist } {
  const partsOf = (n: number, count: number) =>
    Array.from({ length: count }, (_, k) => part(`${runId}-${n}-p${k}.m4s`, k === 0));
  const list: ParsedPlaylist = {
    targetDuration: 2,
    mediaSequence: 0,
    discontinuitySequence: 0,
    map: `${runId}-init.mp4`,
    ended: false,
    segments: Array.from({ length: segments }, (_, n) => ({
      uri: `${runId}-${n}.m4s`,
      duration: 2,
      programDateTime: new Date(T0 + n * 2000).toISOString(),
      sequence: n,
      discontinuity: false,
      map: `${runId}-init.mp4`,
    })),
  };
  const output: LlOutput = {
    push() {},
    end() {},
    privatePlaylist: () => list,
    partsOf: (uri) => {
      const n = Number(/-(\d+)\.m4s$/.exec(uri)?.[1]);
      return n < segments ? partsOf(n, 10) : undefined;
    },
    pendingParts: () => partsOf(segments, pending),
    listedParts: () => [],
    nextPartUri: () => `${runId}-${segments}-p${pending}.m4s`,
    segmentCount: () => segments,
    failure: () => null,
  };
  return { runId, output, list };
}

const newPlaylist = () =>
  createRenditionPlaylist({ targetDuration: 2, windowSegments: 6, keepExtraSegments: 2 });

test('the public segments with their parts, then the parts of the segment being made', () => {
  const playlist = newPlaylist();
  const run = runOf('r1', 3, 4);
  playlist.ingest('r1', run.list);
  const { input, edge } = lowLatencyView(playlist, run, 0.25);
  assert.deepEqual(edge, { lastSequence: 2, partsOfNext: 4 });
  assert.equal(input.segments.length, 3);
  assert.equal(input.segments[2]!.parts.length, 10);
  assert.deepEqual(input.pendingParts.map((p) => p.uri), [0, 1, 2, 3].map((k) => `r1-3-p${k}.m4s`));
  assert.equal(input.nextPartUri, 'r1-3-p4.m4s');
  assert.equal(input.pendingStartsRun, null);
});

test('a segment cut but not yet taken in: no parts after it until it is (their numbering would be wrong)', () => {
  const playlist = newPlaylist();
  playlist.ingest('r1', runOf('r1', 2, 0).list);
  const { input, edge } = lowLatencyView(playlist, runOf('r1', 3, 1), 0.25);
  assert.deepEqual(edge, { lastSequence: 1, partsOfNext: 0 });
  assert.deepEqual(input.pendingParts, []);
  assert.equal(input.nextPartUri, null);
});

test("a new run's first parts come after a seam, with its own init segment", () => {
  const playlist = newPlaylist();
  playlist.ingest('r1', runOf('r1', 2, 0).list);
  const { input, edge } = lowLatencyView(playlist, runOf('r2', 0, 2), 0.25);
  assert.deepEqual(edge, { lastSequence: 1, partsOfNext: 2 });
  assert.deepEqual(input.pendingStartsRun, { map: 'r2-init.mp4', discontinuity: true });
  // The old run's segments keep no parts: they are not the running one's.
  assert.deepEqual(input.segments.map((s) => s.parts.length), [0, 0]);
  assert.match(
    renderLowLatencyPlaylist(input),
    /r1-1\.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="r2-init\.mp4"\n#EXT-X-PART:DURATION=0\.2,URI="r2-0-p0\.m4s",INDEPENDENT=YES\n/,
  );
});

function sourceOf(playlist: ReturnType<typeof newPlaylist>, run: { current: LlRun }): LlSource & {
  changed(): void;
} {
  const listeners = new Set<() => void>();
  return {
    view: () => lowLatencyView(playlist, run.current, 0.25),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    changed: () => listeners.forEach((listener) => listener()),
  };
}

test('a blocking reload is answered when the part it waits for is listed', async () => {
  const playlist = newPlaylist();
  const run = { current: runOf('r1', 2, 1) as LlRun };
  playlist.ingest('r1', runOf('r1', 2, 1).list);
  const source = sourceOf(playlist, run);
  let answered = false;
  const answer = answerLowLatency(source, new URLSearchParams('_HLS_msn=2&_HLS_part=2')).then(
    (result) => {
      answered = true;
      return result;
    },
  );
  run.current = runOf('r1', 2, 2); // part 1: not yet
  source.changed();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(answered, false);
  run.current = runOf('r1', 2, 3); // part 2
  source.changed();
  const result = await answer;
  assert.equal(result.status, 200);
  assert.match(result.body, /#EXT-X-PART:DURATION=0\.2,URI="r1-2-p2\.m4s"/);
  assert.match(result.body, /^#EXT-X-PRELOAD-HINT:TYPE=PART,URI="r1-2-p3\.m4s"$/m);
});

test('a reload already satisfied, an ended playlist, and wrong queries are answered at once', async () => {
  const playlist = newPlaylist();
  const run = { current: runOf('r1', 3, 0) as LlRun };
  playlist.ingest('r1', runOf('r1', 3, 0).list);
  const source = sourceOf(playlist, run);
  const ask = (query: string) => answerLowLatency(source, new URLSearchParams(query));
  assert.equal((await ask('_HLS_msn=1')).status, 200);
  assert.equal((await ask('')).status, 200);
  for (const query of ['_HLS_msn=-1', '_HLS_msn=x', '_HLS_msn=9', '_HLS_part=0', '_HLS_msn=1e3']) {
    const result = await ask(query);
    assert.equal(result.status, 400, query);
    assert.match(result.body, /_HLS_/, query);
  }
  assert.equal((await answerLowLatency(null, new URLSearchParams(''))).status, 404);
  playlist.end();
  const ended = await ask('_HLS_msn=4&_HLS_part=0');
  assert.equal(ended.status, 200);
  assert.match(ended.body, /#EXT-X-ENDLIST\n$/);
});
