// The confidence monitor's eyes at the encoder: a look at what viewers actually get. Every
// few seconds the agent decodes the first frame of a room's newest published segment (init
// segment + media segment, fed to ffmpeg on stdin) into a small JPEG for the control room
// and a tiny grey picture for two checks a person would otherwise have to watch for: a
// black picture and a frozen one. Decoding one frame of a 2 s segment costs a few tens of
// milliseconds, far less than watching the stream.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutputProbe } from '../../core/wire/contracts.ts';
import { type ParsedSegment, parseMediaPlaylist, programDateTimeMs } from './hls/playlist_parse.ts';

/** The grey picture the checks compare: small enough to be cheap, big enough to see a cursor. */
export const GREY_WIDTH = 160;
export const GREY_HEIGHT = 90;
const JPEG_WIDTH = 256;
/** Limited-range black is 16; a dark but real picture has something brighter than this. */
const BLACK_MAX_LUMA = 32;
/**
 * Two decodes of an unchanged input differ by encoder noise only; a change anywhere (a
 * cursor, a mouth, the clock of a test pattern) moves some pixel by more than this.
 */
const FROZEN_MAX_DIFF = 6;
const PROBE_TIMEOUT_MS = 10_000;

export interface OutputFrame {
  rendition: string;
  segment: ParsedSegment;
  jpeg: Uint8Array;
  /** GREY_WIDTH × GREY_HEIGHT luma bytes. */
  grey: Uint8Array;
}

/**
 * The first frame of the newest segment of the first of `renditions` that has one (the
 * caller lists video renditions, cheapest first), or null while none has a segment.
 * Throws when ffmpeg fails on a segment that exists.
 */
export async function grabOutputFrame(
  roomDir: string,
  renditions: string[],
  ffmpegPath = 'ffmpeg',
): Promise<OutputFrame | null> {
  for (const rendition of renditions) {
    const dir = join(roomDir, rendition);
    const text = await readFile(join(dir, 'index.m3u8'), 'utf8').catch(() => null);
    if (text === null) continue;
    const segment = parseMediaPlaylist(text).segments.at(-1);
    if (!segment?.map) continue;
    const [init, media] = await Promise.all([
      readFile(join(dir, segment.map)),
      readFile(join(dir, segment.uri)),
    ]);
    const { jpeg, grey } = await decodeFirstFrame(ffmpegPath, Buffer.concat([init, media]));
    return { rendition, segment, jpeg, grey };
  }
  return null;
}

/** One ffmpeg, two outputs: the JPEG on stdout, the grey picture on fd 3. */
function decodeFirstFrame(
  ffmpegPath: string,
  fmp4: Uint8Array,
): Promise<{ jpeg: Uint8Array; grey: Uint8Array }> {
  const argv = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-f',
    'mp4',
    '-i',
    'pipe:0',
    '-filter_complex',
    `[0:v:0]split=2[a][b];[a]scale=${JPEG_WIDTH}:-2[jpeg];` +
    `[b]scale=${GREY_WIDTH}:${GREY_HEIGHT},format=gray[grey]`,
    '-map',
    '[jpeg]',
    '-frames:v',
    '1',
    '-q:v',
    '7',
    '-f',
    'mjpeg',
    'pipe:1',
    '-map',
    '[grey]',
    '-frames:v',
    '1',
    '-f',
    'rawvideo',
    'pipe:3',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, argv, { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    const jpeg: Buffer[] = [];
    const grey: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => jpeg.push(chunk));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => grey.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk).slice(-500)));
    child.stdin!.on('error', () => {}); // ffmpeg may stop reading after its one frame
    child.stdin!.end(fmp4);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const picture = Buffer.concat(grey);
      if (code === 0 && picture.length === GREY_WIDTH * GREY_HEIGHT && jpeg.length) {
        resolve({ jpeg: Buffer.concat(jpeg), grey: picture });
      } else {
        reject(new Error(`ffmpeg could not decode the output (code ${code}): ${stderr.trim()}`));
      }
    });
  });
}

export function isBlack(grey: Uint8Array): boolean {
  return grey.every((luma) => luma <= BLACK_MAX_LUMA);
}

export function samePicture(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > FROZEN_MAX_DIFF) return false;
  return true;
}

/**
 * What a room's probes add up to: since when the picture has been black, since when it has
 * not changed, and the heartbeat's view of it. A probe of the same segment as the last one
 * says nothing new (no segment came in between) and only ages the last verdicts.
 */
export function createOutputWatch(now: () => number = Date.now) {
  let last: { frame: OutputFrame; at: number; startMs: number | null } | null = null;
  let blackSince: number | null = null;
  let frozenSince: number | null = null;

  return {
    observe(frame: OutputFrame) {
      const at = now();
      const seen = last?.frame;
      if (seen?.rendition === frame.rendition && seen.segment.uri === frame.segment.uri) return;
      blackSince = isBlack(frame.grey) ? blackSince ?? at : null;
      frozenSince = last && samePicture(last.frame.grey, frame.grey)
        ? frozenSince ?? last.at
        : null;
      const { programDateTime } = frame.segment;
      last = { frame, at, startMs: programDateTime ? programDateTimeMs(programDateTime) : null };
    },
    status(maxJpegBase64: number): OutputProbe | null {
      if (!last) return null;
      const at = now();
      const { frame, startMs } = last;
      const base64 = Buffer.from(frame.jpeg).toString('base64');
      // Judged when the segment was seen: it was the newest then, not now.
      const latency = startMs === null ? null : (last.at - startMs) / 1000 - frame.segment.duration;
      return {
        rendition: frame.rendition,
        frameJpegBase64: base64.length <= maxJpegBase64 ? base64 : null,
        frameAt: startMs === null ? null : new Date(startMs).toISOString(),
        blackSeconds: blackSince === null ? 0 : Math.floor((at - blackSince) / 1000),
        frozenSeconds: frozenSince === null ? 0 : Math.floor((at - frozenSince) / 1000),
        latencySeconds: latency === null ? null : Math.min(3600, Math.max(0, latency)),
      };
    },
  };
}
