// The ladder's ffmpeg command uses only what the requirements catalogue lists for the
// encoder (so `roomcast doctor` and the start check look for all of it, and the suite
// holds each item against its Debian package): every codec, muxer, filter and protocol of
// the default ladder with a VP9 rung added, with and without audio.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FfmpegComponentKind, requirementsFor } from '../../../core/requirements/catalogue.ts';
import { DEFAULT_LADDER } from '../../../core/wire/ladder.ts';
import { buildLadderArgv } from './argv.ts';
import { softwareBackend } from './backends/software.ts';
import { planLadder } from './ladder_plan.ts';
import { buildSlateArgv } from './slate_argv.ts';

/** What an argv asks of ffmpeg, as `kind name` strings. */
function componentsOf(argv: string[]): Set<string> {
  const used = new Set<string>();
  argv.forEach((arg, i) => {
    const value = argv[i + 1] ?? '';
    if (/^-c(:|$)/.test(arg) && value !== 'copy') used.add(`encoder ${value}`);
    // `-f` before an `-i` names the input's demuxer, anywhere else an output's muxer.
    if (arg === '-f') used.add(`${argv[i + 2] === '-i' ? 'demuxer' : 'muxer'} ${value}`);
    const filters = (graph: string) => {
      for (const [, name] of graph.matchAll(/(?:^|[\],;])([a-z_]\w*)(?==|\[|,|;|$)/g)) {
        used.add(`filter ${name}`);
      }
    };
    if (arg === '-filter_complex') filters(value);
    // A lavfi input is a filter graph of sources, not a URL.
    if (arg === '-i' && argv[i - 1] === 'lavfi') filters(value);
    else if (arg === '-i') used.add(`protocol ${new URL(value).protocol.replace(':', '')}`);
  });
  // fMP4 HLS writes its segments through the mp4 muxer and its files with file:.
  if (used.has('muxer hls')) {
    used.add('muxer mp4');
    used.add('protocol file');
  }
  return used;
}

function catalogued(kind: FfmpegComponentKind | string, name: string): boolean {
  return requirementsFor(['encoder']).some((r) =>
    r.kind === 'ffmpegComponent' && r.component === kind && r.name === name
  );
}

/** Components of `used` the catalogue does not list for the encoder. */
function uncatalogued(used: Set<string>): string[] {
  return [...used].filter((entry) => {
    const [kind, name] = entry.split(' ');
    return !catalogued(kind!, name!);
  });
}

for (const hasAudio of [true, false]) {
  test(`the ladder argv (${hasAudio ? 'with' : 'without'} audio) uses only catalogued components`, () => {
    const ladder = [
      ...DEFAULT_LADDER,
      { name: '360p-vp9', codec: 'vp9', height: 360, videoKbps: 600, audioKbps: 64 } as const,
    ];
    const argv = buildLadderArgv({
      inputUrl: 'rtmp://127.0.0.1:1935/live/main-hall',
      renditions: planLadder(ladder, { width: 1280, height: 720, fps: 30, hasAudio }),
      segmentSeconds: 2,
      roomDir: '/var/lib/roomcast/hls/main-hall',
      runId: 'r000001',
    }, softwareBackend);
    const used = componentsOf(argv);
    // The extraction itself found what it must, so an empty set cannot pass.
    for (const expected of ['encoder libx264', 'encoder libvpx-vp9', 'filter scale', 'muxer hls']) {
      assert.ok(used.has(expected), `${expected} in ${[...used].join(', ')}`);
    }
    assert.deepEqual(uncatalogued(used), [], 'add these to core/requirements/catalogue.ts');
  });
}

test('the slate argv (passthrough, H.264 and VP9 rungs, audio) uses only catalogued components', () => {
  const ladder = [
    ...DEFAULT_LADDER,
    { name: '360p-vp9', codec: 'vp9', height: 360, videoKbps: 600, audioKbps: 64 } as const,
  ];
  const argv = buildSlateArgv({
    renditions: planLadder(ladder, { width: 1280, height: 720, fps: 30, hasAudio: true }),
    segmentSeconds: 2,
    dir: '/var/lib/roomcast/slates/main-hall',
  }, softwareBackend);
  const used = componentsOf(argv);
  for (const expected of ['demuxer lavfi', 'filter color', 'filter drawtext', 'filter anullsrc']) {
    assert.ok(used.has(expected), `${expected} in ${[...used].join(', ')}`);
  }
  assert.deepEqual(uncatalogued(used), [], 'add these to core/requirements/catalogue.ts');
});
