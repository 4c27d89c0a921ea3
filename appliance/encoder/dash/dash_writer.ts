// Keeps the room's manifest.mpd in step with its HLS playlists: the same segments, as far
// back as the DVR window reaches. Each segment's decode time is read once from its own
// moof (tfdt), each init segment's timescale from its mdhd, so the timeline is the media's
// own, not a sum of rounded EXTINFs. A run becomes a Period when first seen; its start
// (and each rendition's offset into it) is fixed from then on, as DASH players expect of
// a Period across manifest updates.
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { baseDecodeTimeOf } from '../hls/fmp4_retime.ts';
import { timescaleFromInitSegment } from '../hls/init_segment.ts';
import type { StitchedSegment } from '../hls/media_playlist.ts';
import { writeFileAtomic } from '../hls/playlist_files.ts';
import { type MpdPeriod, type MpdTrack, renderMpd } from './mpd.ts';

const MANIFEST_NAME = 'manifest.mpd';

/** A rendition as the manifest describes it (MpdTrack's own fields), with its segments. */
export interface DashRendition
  extends Pick<MpdTrack, 'kind' | 'codecs' | 'bandwidth' | 'width' | 'height' | 'frameRate'> {
  name: string;
  /** Every segment of it still on disk, oldest first (RenditionPlaylist.history). */
  segments: StitchedSegment[];
}

export interface DashWriterOptions {
  roomDir: string;
  segmentSeconds: number;
  /** How far back players may seek. */
  dvrSeconds: number;
}

export interface DashWriter {
  write(renditions: DashRendition[], ended: boolean): Promise<void>;
}

/** A moof of a few seconds of samples fits well in this: the tfdt is near its start. */
const HEAD_BYTES = 64 * 1024;

/** A listed segment with what the manifest needs of it. */
interface Timed {
  /** ffmpeg's number in its file name: the template's $Number$. */
  n: number;
  /** Decode time (tfdt), in the track's timescale. */
  t: bigint;
  pdtMs: number;
  duration: number;
  map: string;
}

interface RunPeriod {
  startMs: number;
  offsets: Map<string, bigint>;
}

/** ffmpeg's number of `<run>-<n>.m4s`, the $Number$ of the template. */
function numberOf(uri: string): number | null {
  const match = /-(\d+)\.m4s$/.exec(uri);
  return match ? Number(match[1]) : null;
}

async function head(path: string): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = new Uint8Array(HEAD_BYTES);
    const { bytesRead } = await file.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

export function createDashWriter(options: DashWriterOptions): DashWriter {
  const decodeTimes = new Map<string, bigint>();
  const timescales = new Map<string, number>();
  const runs = new Map<string, RunPeriod>();
  let availabilityStartMs: number | null = null;
  let lastText = '';

  const decodeTimeOf = async (rendition: string, uri: string): Promise<bigint | null> => {
    const key = `${rendition}/${uri}`;
    if (!decodeTimes.has(key)) {
      try {
        decodeTimes.set(key, baseDecodeTimeOf(await head(join(options.roomDir, rendition, uri))));
      } catch {
        return null; // gone, or not a media segment: left out
      }
    }
    return decodeTimes.get(key)!;
  };

  const timescaleOf = async (rendition: string, init: string): Promise<number | null> => {
    const key = `${rendition}/${init}`;
    if (!timescales.has(key)) {
      const bytes = await readFile(join(options.roomDir, rendition, init)).catch(() => null);
      const timescale = bytes && timescaleFromInitSegment(new Uint8Array(bytes));
      if (!timescale) return null;
      timescales.set(key, timescale);
    }
    return timescales.get(key)!;
  };

  return {
    async write(renditions, ended) {
      const newestEndMs = Math.max(
        ...renditions.flatMap((r) =>
          r.segments.map((s) => Date.parse(s.programDateTime) + s.duration * 1000)
        ),
      );
      if (!Number.isFinite(newestEndMs)) return;
      const oldestMs = newestEndMs - options.dvrSeconds * 1000;
      // Per run, per rendition: the timed, numbered segments within the DVR window.
      const byRun = new Map<string, Map<string, Timed[]>>();
      const seen = new Set<string>();
      for (const rendition of renditions) {
        for (const segment of rendition.segments) {
          const pdtMs = Date.parse(segment.programDateTime);
          const n = numberOf(segment.uri);
          if (pdtMs + segment.duration * 1000 < oldestMs || n === null || !segment.map) continue;
          const t = await decodeTimeOf(rendition.name, segment.uri);
          if (t === null) continue;
          seen.add(`${rendition.name}/${segment.uri}`);
          const tracks = byRun.get(segment.runId) ?? new Map<string, Timed[]>();
          byRun.set(segment.runId, tracks);
          const listed = tracks.get(rendition.name) ?? [];
          tracks.set(rendition.name, listed);
          listed.push({ n, t, pdtMs, duration: segment.duration, map: segment.map });
        }
      }
      for (const key of decodeTimes.keys()) if (!seen.has(key)) decodeTimes.delete(key);

      const periods: MpdPeriod[] = [];
      const ordered = [...byRun.keys()].sort((a, b) => {
        const first = (id: string) =>
          Math.min(...[...byRun.get(id)!.values()].map((list) => list[0]!.pdtMs));
        return first(a) - first(b);
      });
      let previousEndMs = -Infinity;
      for (const runId of ordered) {
        const tracks = byRun.get(runId)!;
        let period = runs.get(runId);
        if (!period) {
          const firstMs = Math.min(...[...tracks.values()].map((list) => list[0]!.pdtMs));
          // Never before the previous Period ends: Periods follow each other.
          period = { startMs: Math.max(firstMs, previousEndMs), offsets: new Map() };
          runs.set(runId, period);
        }
        availabilityStartMs ??= period.startMs;
        const mpdTracks: MpdTrack[] = [];
        let periodEndMs = period.startMs;
        for (const rendition of renditions) {
          const listed = tracks.get(rendition.name);
          if (!listed?.length) continue;
          const map = listed[0]!.map;
          const timescale = await timescaleOf(rendition.name, map);
          if (!timescale) continue;
          if (!period.offsets.has(rendition.name)) period.offsets.set(rendition.name, listed[0]!.t);
          const offset = period.offsets.get(rendition.name)!;
          // $Number$ counts the listed segments: keep the newest unbroken stretch of them.
          let from = listed.length - 1;
          while (from > 0 && listed[from - 1]!.n === listed[from]!.n - 1) from--;
          const stretch = listed.slice(from);
          const segments = stretch.map((entry) => ({
            t: entry.t,
            d: BigInt(Math.round(entry.duration * timescale)),
          }));
          const last = segments.at(-1)!;
          periodEndMs = Math.max(
            periodEndMs,
            period.startMs + Number(last.t + last.d - offset) * 1000 / timescale,
          );
          mpdTracks.push({
            id: rendition.name,
            kind: rendition.kind,
            codecs: rendition.codecs,
            bandwidth: rendition.bandwidth,
            width: rendition.width,
            height: rendition.height,
            frameRate: rendition.frameRate,
            timescale,
            initialization: `${rendition.name}/${map}`,
            media: `${rendition.name}/${runId}-$Number$.m4s`,
            presentationTimeOffset: offset,
            startNumber: stretch[0]!.n,
            segments,
          });
        }
        previousEndMs = periodEndMs;
        if (mpdTracks.length) {
          periods.push({
            id: runId,
            startSeconds: (period.startMs - availabilityStartMs) / 1000,
            tracks: mpdTracks,
          });
        }
      }
      for (const runId of runs.keys()) if (!byRun.has(runId)) runs.delete(runId);
      if (!periods.length || availabilityStartMs === null) return;
      const text = renderMpd({
        availabilityStartMs,
        publishMs: Date.now(),
        timeShiftBufferDepthSeconds: options.dvrSeconds,
        minimumUpdatePeriodSeconds: options.segmentSeconds,
        suggestedPresentationDelaySeconds: 3 * options.segmentSeconds,
        maxSegmentSeconds: options.segmentSeconds * 1.5,
        minBufferSeconds: options.segmentSeconds,
        periods,
        ended,
      });
      // publishTime moves on every write; only a changed timeline is worth a new file.
      const timelineOnly = text.replace(/publishTime="[^"]*"/, '');
      if (timelineOnly === lastText) return;
      lastText = timelineOnly;
      await writeFileAtomic(join(options.roomDir, MANIFEST_NAME), text);
    },
  };
}
