// The "be right back" slate as the room's pipeline plays it while a publisher is away:
// rendered once per ladder plan (ffmpeg/slate_argv.ts), then listed segment after segment
// in every rendition's public playlist as a run of its own, so the seams on both sides
// are ordinary run seams (EXT-X-DISCONTINUITY and a new EXT-X-MAP). Each listed copy is
// the template's first segment moved on by one segment of media time (fmp4_retime.ts):
// within the slate, time runs on as in any stream.
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import type { VideoBackend } from '../ffmpeg/backend.ts';
import type { PlannedRendition } from '../ffmpeg/ladder_plan.ts';
import { buildSlateArgv, SLATE_PREFIX } from '../ffmpeg/slate_argv.ts';
import { baseDecodeTimeOf, retimeSegment } from './fmp4_retime.ts';
import type { ParsedPlaylist } from './playlist_parse.ts';
import { parseMediaPlaylist } from './playlist_parse.ts';

export interface SlateRendition {
  name: string;
  /** The init segment (ftyp + moov), listed as each slate run's EXT-X-MAP. */
  init: Uint8Array;
  /** The first media segment, one GOP long: what every listed copy is made of. */
  segment: Uint8Array;
  /** Its length in seconds (EXTINF). */
  duration: number;
  /** Its length in its track's timescale: how far each copy moves on from the last. */
  step: bigint;
}

export interface Slate {
  /** What it was rendered for: the plan's renditions and the segment length. */
  key: string;
  renditions: SlateRendition[];
}

/** Names a slate by what it stands in for; two plans with the same key share one. */
export function slateKey(plan: readonly PlannedRendition[], segmentSeconds: number): string {
  return JSON.stringify({ plan, segmentSeconds });
}

/** ffmpeg renders a slate in a few seconds; one that takes far longer is stuck. */
const RENDER_TIMEOUT_MS = 60_000;

/**
 * Renders the slate of `plan` into `dir` (scratch: emptied first) and reads it back. Throws
 * with ffmpeg's last error line when it fails.
 */
export async function renderSlate(options: {
  plan: PlannedRendition[];
  segmentSeconds: number;
  dir: string;
  backend: VideoBackend;
  ffmpegPath?: string;
}): Promise<Slate> {
  const { plan, segmentSeconds, dir } = options;
  await rm(dir, { recursive: true, force: true });
  for (const r of plan) await mkdir(join(dir, r.name), { recursive: true });
  const argv = buildSlateArgv({ renditions: plan, segmentSeconds, dir }, options.backend);
  await runFfmpeg(options.ffmpegPath ?? 'ffmpeg', argv);
  const renditions: SlateRendition[] = [];
  for (const r of plan) {
    const rdir = join(dir, r.name);
    const listed = parseMediaPlaylist(await readFile(join(rdir, `${SLATE_PREFIX}.m3u8`), 'utf8'));
    const [first, second] = listed.segments;
    if (!first || !second || !listed.map) {
      throw new Error(`the slate of ${r.name} came out with ${listed.segments.length} segments`);
    }
    const segment = new Uint8Array(await readFile(join(rdir, first.uri)));
    const next = new Uint8Array(await readFile(join(rdir, second.uri)));
    const step = baseDecodeTimeOf(next) - baseDecodeTimeOf(segment);
    if (step <= 0n) throw new Error(`the slate of ${r.name} does not move on in time`);
    renditions.push({
      name: r.name,
      init: new Uint8Array(await readFile(join(rdir, listed.map))),
      segment,
      duration: first.duration,
      step,
    });
  }
  return { key: slateKey(plan, segmentSeconds), renditions };
}

function runFfmpeg(path: string, argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    // Rendered while the room is live: the live ladder comes first.
    try {
      if (child.pid) setPriority(child.pid, 10);
    } catch { /* not allowed here: it only renders a little slower */ }
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), RENDER_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`ffmpeg could not start: ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const last = stderr.trim().split('\n').at(-1) ?? '';
      reject(new Error(`the slate's ffmpeg ended with ${signal ?? `code ${code}`}: ${last}`));
    });
  });
}

/** Copy `n` (0, 1, …) of the slate segment, starting where copy n-1 ended. */
export function slateSegmentBytes(rendition: SlateRendition, n: number): Uint8Array {
  return retimeSegment(rendition.segment, rendition.step * BigInt(n), n + 1);
}

/**
 * The slate run's "private playlist", as ffmpeg would have written it: copies
 * `first`…`last` (file names from `segmentName`), each dated `startMs` plus the copies
 * before it.
 */
export function slatePlaylist(
  rendition: SlateRendition,
  names: { init: string; segment: (n: number) => string },
  first: number,
  last: number,
  startMs: number,
): ParsedPlaylist {
  const segments = [];
  for (let n = first; n <= last; n++) {
    segments.push({
      uri: names.segment(n),
      duration: rendition.duration,
      programDateTime: new Date(startMs + n * rendition.duration * 1000).toISOString(),
      sequence: n,
      discontinuity: false,
      map: names.init,
    });
  }
  return {
    targetDuration: Math.ceil(rendition.duration),
    mediaSequence: first,
    discontinuitySequence: 0,
    map: names.init,
    segments,
    ended: false,
  };
}
