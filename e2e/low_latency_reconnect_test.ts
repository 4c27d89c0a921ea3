// LL-HLS through a dropped publisher, for real (`roomcast edge` and `roomcast encoder` with
// nginx-rtmp and ffmpeg, an ffmpeg publisher): while it is away the LL playlist goes on with
// the slate's segments (no parts), and when it is back the new run's parts follow a seam with
// their own init segment. Throughout, no media sequence number ever names two different
// segments: a player holding parts of segment N never finds another segment under N.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningProcess } from '../core/testing/process.ts';
import { oneMediaFileAtATime } from './support/media_lock.ts';
import { startTestPublisher } from './support/publisher.ts';
import { sleep, type Stack, startStack } from './support/stack.ts';

const ROOM = 'aula';
let stack: Stack;
let key: string;
let publisher: RunningProcess | null = null;
// deno-lint-ignore no-explicit-any
let grant: any;

oneMediaFileAtATime();

function startPublisher(): RunningProcess {
  return startTestPublisher(stack.ports.rtmp, key);
}

before(async () => {
  stack = await startStack({
    name: 'll-reconnect',
    encoderEnv: { ROOMCAST_ENCODER_HLS_LOW_LATENCY: 'true' },
  });
  const room = await stack.apiJson('POST', '/rooms', { id: ROOM, title: 'Aula' });
  key = room.streamKey.key;
  await stack.apiJson('PATCH', `/rooms/${ROOM}`, {
    ladder: [
      { name: 'source', codec: 'copy' },
      { name: '180p', codec: 'h264', height: 180, videoKbps: 300, audioKbps: 64 },
      { name: 'audio', codec: 'audio', audioKbps: 64 },
    ],
  });
});

after(async () => {
  await publisher?.stop();
  await stack?.stop();
});

interface Seen {
  /** Media sequence → segment URI, over every playlist fetched. */
  bySequence: Map<number, string>;
}

/** Fetches 180p's LL playlist; checks no sequence number changed its segment. */
async function fetchLl(seen: Seen) {
  const url = new URL('180p/ll.m3u8', grant.url).href.split('?')[0] + `?${grant.tokenQuery}`;
  const response = await fetch(url);
  assert.equal(response.status, 200);
  const text = await response.text();
  let sequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)![1]);
  const segments: { uri: string; parts: number; discontinuity: boolean }[] = [];
  let parts = 0;
  let discontinuity = false;
  for (const line of text.split('\n')) {
    if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (line.startsWith('#EXT-X-PART:')) parts++;
    else if (line && !line.startsWith('#')) {
      const uri = line.split('?')[0]!;
      const before = seen.bySequence.get(sequence);
      assert.ok(before === undefined || before === uri, `${sequence} was ${before}, now ${uri}`);
      seen.bySequence.set(sequence, uri);
      segments.push({ uri, parts, discontinuity });
      sequence++;
      parts = 0;
      discontinuity = false;
    }
  }
  return { text, segments, pendingParts: parts };
}

test('LL-HLS: the slate while the publisher is away, then its parts after a seam', async () => {
  publisher = startPublisher();
  grant = await stack.waitFor('a playback grant', async () => {
    const response = await stack.api('POST', `/public/rooms/${ROOM}/playback`, {});
    return response.ok ? await response.json() : null;
  }, 30_000);
  const seen: Seen = { bySequence: new Map() };
  await stack.waitFor('parts listed', async () => {
    const master = await fetch(grant.url);
    if (!master.ok) return false;
    const playlist = await fetchLl(seen);
    return playlist.pendingParts > 0 && playlist.segments.some((s) => s.parts > 0);
  }, 40_000);
  const firstRun = (await fetchLl(seen)).segments.at(-1)!.uri.replace(/-\d+\.m4s$/, '');
  // Long enough for the slate to be rendered (once every rendition has media).
  await sleep(4000);

  await publisher.stop();
  publisher = null;
  const slate = await stack.waitFor('slate segments after the last run', async () => {
    const playlist = await fetchLl(seen);
    const others = playlist.segments.filter((s) => !s.uri.startsWith(`${firstRun}-`));
    return others.length >= 2 && playlist.pendingParts === 0 ? others : null;
  }, 30_000);
  assert.ok(slate[0]!.discontinuity, 'a seam before the slate');
  assert.ok(slate.every((s) => s.parts === 0), 'the slate has no parts');

  publisher = startPublisher();
  const back = await stack.waitFor('the new run listed with its parts', async () => {
    const playlist = await fetchLl(seen);
    const slateRun = slate[0]!.uri.replace(/-\d+\.m4s$/, '-');
    const fresh = playlist.segments.filter((s) =>
      !s.uri.startsWith(`${firstRun}-`) && !s.uri.startsWith(slateRun)
    );
    return fresh.length >= 1 && playlist.pendingParts > 0 ? { playlist, fresh } : null;
  }, 40_000);
  assert.ok(back.fresh[0]!.discontinuity, 'a seam after the slate');
  assert.doesNotMatch(back.playlist.text, /#EXT-X-ENDLIST/);
  const sequences = [...seen.bySequence.keys()].sort((a, b) => a - b);
  assert.ok(sequences.length > 6, `${sequences.length} sequence numbers seen, each one segment`);
});
