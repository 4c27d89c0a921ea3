// One live room on this node: one ffmpeg that decodes the ingest once and writes every
// rendition (the argv comes from ffmpeg/argv.ts), and the public playlists built from
// ffmpeg's private ones (hls/). ffmpeg is crash-only: if it exits or stalls (no new
// segment for 3 target durations) it is started again within 2 s as a new "run", and the
// public playlists continue across the seam (sequence numbers go on, a discontinuity marks
// it, never an ENDLIST until the edge says the room's event is over).
//
// The publisher's keyframes are watched in every run (ffmpeg/keyframe_watch.ts). When they
// miss the segment boundaries the passthrough rendition cannot be cut with the others: the
// run is restarted at once with the source re-encoded, the room remembers it for the next
// publish, and its status carries the advice for the streamer ("keyframe interval 8.3 s,
// set 2 s"). A ladder with nothing transcoded has no others to align with: it only gets
// the advice (its segments are as long as the publisher's GOP).
//
// In low-latency mode ffmpeg writes no HLS itself: each rendition's fragmented MP4 comes on a
// pipe, the agent cuts parts and segments from it (ll/ll_output.ts) into the same files, and
// takes each segment into the public playlist as soon as it is cut; the LL playlists are
// rendered per request (ll/ll_view.ts) from the public playlist and the run's parts.
import { type ChildProcess, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from '../../core/log.ts';
import type { IngestStatus, Rendition } from '../../core/wire/contracts.ts';
import {
  buildLadderArgv,
  fragmentPipeFd,
  hasKeyframeProbe,
  initSegmentName,
  PRIVATE_LIST_SIZE,
  privatePlaylistPath,
} from './ffmpeg/argv.ts';
import type { Readable } from 'node:stream';
import { createLlOutput } from './ll/ll_output.ts';
import { type LlRun, type LlView, lowLatencyView } from './ll/ll_view.ts';
import type { VideoBackend } from './ffmpeg/backend.ts';
import { planLadder, type PlannedRendition, type SourceInfo } from './ffmpeg/ladder_plan.ts';
import {
  type CaptureClock,
  captureClockOf,
  createInputBannerParser,
} from './ffmpeg/input_banner.ts';
import { createProgressParser } from './ffmpeg/progress.ts';
import { createStderrReader } from './ffmpeg/stderr_messages.ts';
import { createSlatePlayer, type SlateOutcome } from './slate_player.ts';
import { createDashWriter, type DashRendition } from './dash/dash_writer.ts';
import {
  createKeyframeWatch,
  createSegmentLengthWatch,
  keyframeAdvice,
  type KeyframeReport,
  keyframeTimeOf,
  type KeyframeWatch,
  type SegmentLengthWatch,
} from './ffmpeg/keyframe_watch.ts';
import {
  codecsFromInitSegment,
  type MasterAudio,
  type MasterVariant,
  renderMasterPlaylist,
  STANDARD_MASTER,
} from './hls/master_playlist.ts';
import { createRenditionPlaylist, type RenditionPlaylist } from './hls/media_playlist.ts';
import { parseMediaPlaylist } from './hls/playlist_parse.ts';
import { writeFileAtomic } from './hls/playlist_files.ts';
import { sweepRoomDir } from './hls/janitor.ts';
import { createSourceSettler, probeSource, sourceFromMeta, type SourceMeta } from './source.ts';

export type PipelineState = 'live' | 'idle' | 'ended';

export interface RoomPipelineOptions {
  room: string;
  hlsRoot: string;
  /** Where ffmpeg reads the room: nginx's RTMP on loopback, by room id (never a key). */
  inputUrl: string;
  segmentSeconds: number;
  windowSegments: number;
  backend: VideoBackend;
  ffmpegPath?: string;
  ffprobePath?: string;
  /** Where the room's slate is rendered (scratch, not served). */
  slateDir: string;
  /** How far back the DASH manifest reaches (its DVR window); segments stay that long. */
  dvrWindowSeconds: number;
  /**
   * Low-latency HLS: ffmpeg writes fragments of this length to pipes, the agent cuts the
   * parts and segments, and master.m3u8 lists the renditions' ll.m3u8 (master-standard.m3u8
   * the same segments without parts). Absent: ffmpeg's HLS muxer, standard playlists only.
   */
  lowLatency?: { partSeconds: number; partTargetSeconds: number };
  log: Logger;
  /** The publisher's stream metadata from nginx, or null while it has not arrived. */
  sourceOf(clientId: string): Promise<SourceMeta | null>;
}

export interface RoomPipeline {
  /** A (new) publisher of the room: start its ladder, replacing a running one. */
  publisherStarted(publisher: Publisher): void;
  /**
   * The publisher left: ffmpeg stops; the playlists go on with the slate for the
   * publisher's reconnect window, then end (unless it is back).
   */
  publisherGone(): void;
  /**
   * nginx took a player of the room on (its `on_play` hook): on loopback, that is the
   * running ladder's ffmpeg (the probe before a run starts comes before the run exists).
   */
  playerJoined(): void;
  /** The event is over: the playlists get their ENDLIST. */
  end(): Promise<void>;
  /**
   * An operator asked for a fresh ladder (a stuck rendition, a changed ladder): the running
   * ffmpeg is killed and the next starts at once, in the same playlists after a
   * discontinuity. False when no ladder is running.
   */
  restart(): boolean;
  state(): PipelineState;
  renditionStatus(): { name: string; speed: number | null }[];
  /** ffmpeg runs that died or stalled and were started again (not takeovers or switches). */
  restarts(): number;
  /** When each rendition's public playlist last got a new segment, ladder or slate (wall ms). */
  newestSegments(): { rendition: string; at: number }[];
  /** The running ladder's renditions with pictures, smallest first (cheapest to look at). */
  videoRenditions(): string[];
  recentErrors(): string[];
  /** What the runs saw of the publisher's keyframes, for the streamer. */
  ingestStatus(): IngestStatus;
  /**
   * The rendition's low-latency playlist as of now, or null when the room has no such
   * rendition (or is not low-latency).
   */
  lowLatencyView(rendition: string): LlView | null;
  /** Calls `listener` whenever a low-latency playlist may have changed; returns unsubscribe. */
  onLowLatencyChange(listener: () => void): () => void;
  /** pid of the running ffmpeg, or null (for tests and the watchdog). */
  ffmpegPid(): number | null;
  /** When the running ffmpeg started (ms since the epoch), or null between runs. */
  runStartedAt(): number | null;
  /** When the room last went live (ms since the epoch), or null while it is not live. */
  liveSince(): number | null;
  /** Removes files no playlist refers to any more (old runs' leftovers); returns them. */
  sweep(): Promise<string[]>;
  /** Agent shutdown: stop ffmpeg, keep every file. */
  close(): Promise<void>;
}

/** A rendition as the DASH manifest describes it, without its segments. */
type DashMeta = Omit<DashRendition, 'segments'>;

export interface Publisher {
  clientId: string;
  ladder: Rendition[];
  /** Should it drop: how long the slate plays and the playlists wait for it. */
  reconnectWindowSeconds: number;
}

/** How often ffmpeg's private playlists are read: well under a segment. */
const POLL_MS = 250;
/** Segments kept on disk past the playlist window, for players a little behind. */
const EXTRA_SEGMENTS = 4;
/** How long to wait for the publisher's metadata in nginx before asking ffprobe. */
const SOURCE_WAIT_MS = 3000;
/** How long a run may wait for its first frame: ffmpeg's probe window (argv.ts). */
const FIRST_SEGMENT_WAIT_MS = 10_000;
/** ffmpeg gets this long to finish its last segment after its input ended. */
const DRAIN_MS = 2000;
/** Files younger than this are never swept: ffmpeg may be about to list them. */
const SWEEP_AFTER_MS = 60_000;
/** Restart delays after ffmpeg runs that died young: quick first, capped at 2 s. */
const RESTART_DELAYS_MS = [100, 500, 1000, 2000];

interface Run {
  runId: string;
  /** The publisher this run reads. */
  publisher: Publisher;
  plan: PlannedRendition[];
  source: SourceInfo;
  child: ChildProcess;
  exited: Promise<void>;
  startedAt: number;
  /** Renditions that wrote at least one segment in this run. */
  started: Set<string>;
  /**
   * The publisher's capture clock and when the run's first frame was captured, from
   * ffmpeg's input banner; null: the publisher sends none, ffmpeg's clock stays. Set as
   * ffmpeg prints the banner, which is before it opens any output.
   */
  clock: { of: CaptureClock | null };
  /**
   * The publisher's keyframes: as the run's keyframe probe prints them or, in a ladder
   * with nothing decoded (no probe), as the passthrough's segment lengths tell.
   */
  keyframes: KeyframeWatch | null;
  segmentLengths: SegmentLengthWatch | null;
  /** The run's keyframe verdict was logged (a passthrough-only run is not restarted). */
  keyframesNoted: boolean;
  /** Set when the run was stopped to re-encode the source: the next one starts at once. */
  restartForKeyframes: boolean;
  /** Set when an operator restarted the ladder: the next one starts at once, too. */
  restartedByOperator: boolean;
  /** Low-latency mode: each rendition's parts and segments, cut from ffmpeg's pipe. */
  ll: Map<string, LlRun> | null;
  /** Wakes the supervisor to publish at once (a low-latency segment was completed). */
  poke: () => void;
}

export function createRoomPipeline(options: RoomPipelineOptions): RoomPipeline {
  const { room, log, segmentSeconds } = options;
  const roomDir = join(options.hlsRoot, room);
  const playlists = new Map<string, RenditionPlaylist>();
  const errors: string[] = [];
  let state: PipelineState = 'idle';
  let publisher: Publisher | null = null;
  /** While the publisher is away: since when (wall ms), and how long it is waited for. */
  let away: { since: number; windowSeconds: number } | null = null;
  /** The slate's spell, from a publisher's drop until its media is back or the window ends. */
  let slating: Promise<void> | null = null;
  let closing = false;
  let run: Run | null = null;
  let loop: Promise<void> | null = null;
  let speed: number | null = null;
  let lastMaster = '';
  let quickFailures = 0;
  let restarts = 0;
  /** Per rendition: the newest public segment's sequence number, and when it was published. */
  const newest = new Map<string, { sequence: number; at: number }>();
  let wake: (() => void) | null = null;
  let wentLiveAt = 0;
  /**
   * The publisher's keyframes missed the segment boundaries in an earlier run: the source is
   * re-encoded. Kept across publishes (it is most likely the same encoder settings again)
   * until a run sees keyframes that are aligned.
   */
  let reencodeSource = false;
  let keyframeReport: KeyframeReport | null = null;

  /** Low-latency: each rendition's latest run, kept after it ended (its last parts). */
  const llRuns = new Map<string, LlRun>();
  const llListeners = new Set<() => void>();
  const llChanged = () => {
    for (const listener of llListeners) listener();
  };

  const noteError = (message: string) => {
    errors.push(message);
    errors.splice(0, errors.length - 10);
  };

  const playlistOf = async (name: string): Promise<RenditionPlaylist> => {
    let playlist = playlists.get(name);
    if (!playlist) {
      playlist = createRenditionPlaylist({
        targetDuration: segmentSeconds,
        windowSegments: options.windowSegments,
        keepExtraSegments: EXTRA_SEGMENTS + Math.ceil(options.dvrWindowSeconds / segmentSeconds),
      });
      // A node restarted mid-event continues the public playlist it left on disk.
      const previous = await readFile(join(roomDir, name, 'index.m3u8'), 'utf8').catch(() => null);
      if (previous) playlist.restore(previous);
      playlists.set(name, playlist);
    }
    return playlist;
  };

  /** Reads every rendition's private playlist; publishes what is new. True if anything was. */
  const collect = async (current: Run): Promise<boolean> => {
    let progressed = false;
    for (const rendition of current.plan) {
      const dir = join(roomDir, rendition.name);
      const parsed = await privatePlaylistOf(current, rendition.name);
      if (!parsed) continue;
      const playlist = await playlistOf(rendition.name);
      // Sizes (for BANDWIDTH) are asked only of segments new to the playlist, so a poll
      // stats a file once, not the whole private window four times a second.
      const sizeOf = (uri: string) => {
        try {
          return statSync(join(dir, basename(uri))).size;
        } catch {
          return 0;
        }
      };
      const added = playlist.ingest(
        current.runId,
        parsed,
        sizeOf,
        current.clock.of?.captureStartMs ?? null,
      );
      if (!added.length) continue;
      progressed = true;
      if (rendition.kind === 'copy') {
        for (const segment of added) current.segmentLengths?.segment(segment.duration);
      }
      if (current.started.size === 0) noteClock(current, playlist);
      current.started.add(rendition.name);
      await publishPlaylist(rendition.name, playlist);
    }
    if (progressed) {
      await writeMaster(current);
      await writeDash();
    }
    // Every rendition has media: the slate for this plan can be made ready.
    if (progressed && current.started.size === current.plan.length) slate.prepare(current.plan);
    return progressed;
  };

  /** What ffmpeg (or, in low-latency mode, the agent's cutter) has finished of a run. */
  const privatePlaylistOf = async (current: Run, name: string) => {
    if (current.ll) return current.ll.get(name)?.output.privatePlaylist() ?? null;
    const text = await readFile(privatePlaylistPath(roomDir, name, current.runId), 'utf8')
      .catch(() => null);
    return text ? parseMediaPlaylist(text) : null;
  };

  /** Writes a rendition's public playlist and removes the files that fell out of it. */
  const publishPlaylist = async (name: string, playlist: RenditionPlaylist) => {
    const dir = join(roomDir, name);
    await writeFileAtomic(join(dir, 'index.m3u8'), playlist.render());
    const sequence = playlist.window().at(-1)?.sequence;
    if (sequence !== undefined && newest.get(name)?.sequence !== sequence) {
      newest.set(name, { sequence, at: Date.now() });
    }
    llChanged();
    for (const file of playlist.expired()) await rm(join(dir, basename(file)), { force: true });
  };

  const slate = createSlatePlayer({
    roomDir,
    slateDir: options.slateDir,
    segmentSeconds,
    backend: options.backend,
    ffmpegPath: options.ffmpegPath,
    log,
    playlistOf,
    publish: async (name, playlist) => {
      await publishPlaylist(name, playlist);
      void writeDash();
    },
  });

  /** Why the slate should stop now, or null while it plays on. */
  const slateVerdict = (): SlateOutcome | null => {
    if (state === 'ended' || closing) return 'stopped';
    // In low-latency mode the new run's first parts are listed before its first segment:
    // from then on no slate segment may take the number they are listed under.
    if (run && (run.started.size > 0 || hasParts(run))) return 'resumed';
    if (away && Date.now() >= away.since + away.windowSeconds * 1000) return 'windowOver';
    return null;
  };

  /** From the drop until the publisher's media is back: the slate, then maybe the end. */
  const slateWhileAway = async () => {
    await loop; // the last run's final segment first
    const outcome = await slate.play(slateVerdict);
    if (outcome !== 'windowOver') return;
    log.info('the publisher did not come back within its reconnect window; the playlists end', {
      windowSeconds: away?.windowSeconds,
    });
    away = null;
    await endPlaylists();
  };

  const endPlaylists = async () => {
    for (const [name, playlist] of playlists) {
      playlist.end();
      await publishPlaylist(name, playlist);
    }
    await writeDash(true);
  };

  /** The master playlist, once every rendition of the run has a segment (and on changes). */
  const writeMaster = async (current: Run) => {
    if (current.started.size < current.plan.length) return;
    const codecsOf = async (name: string) => {
      const init = await readFile(join(roomDir, name, initSegmentName(current.runId)))
        .catch(() => null);
      return init ? codecsFromInitSegment(new Uint8Array(init)) : [];
    };
    const bandwidthOf = (rendition: PlannedRendition) =>
      Math.max(
        nominalBitsPerSecond(rendition),
        playlists.get(rendition.name)?.peakBitsPerSecond() ?? 0,
      );
    const audioRendition = current.plan.find((r) => r.kind === 'audio');
    // In low-latency mode master.m3u8 lists the LL playlists (a player that does not know
    // parts plays their segments); master-standard.m3u8 the plain ones.
    const listed = options.lowLatency ? 'll.m3u8' : 'index.m3u8';
    const audio: MasterAudio | undefined = audioRendition && {
      uri: `${audioRendition.name}/${listed}`,
      codecs: await codecsOf(audioRendition.name),
      channels: 2,
    };
    const audioBandwidth = audioRendition ? bandwidthOf(audioRendition) : 0;
    const variants: MasterVariant[] = [];
    for (const rendition of current.plan) {
      const codecs = await codecsOf(rendition.name);
      if (rendition.kind === 'audio') {
        // Listed on its own only where the ladder asks for an audio-only rendition.
        if (rendition.listed) {
          variants.push({
            name: rendition.name,
            uri: `${rendition.name}/${listed}`,
            bandwidth: Math.ceil(audioBandwidth),
            codecs,
          });
        }
        continue;
      }
      variants.push({
        name: rendition.name,
        uri: `${rendition.name}/${listed}`,
        // A variant's BANDWIDTH is all it plays: its video and the shared audio.
        bandwidth: Math.ceil(bandwidthOf(rendition) + audioBandwidth),
        width: rendition.width,
        height: rendition.height,
        frameRate: rendition.fps,
        codecs,
        withAudioGroup: audio !== undefined,
      });
    }
    dashRenditions = current.plan.flatMap((rendition): DashMeta[] => {
      const variant = variants.find((v) => v.name === rendition.name);
      const codecs = rendition.kind === 'audio' ? audio?.codecs[0] : variant?.codecs[0];
      if (!codecs) return [];
      return rendition.kind === 'audio'
        ? [{ name: rendition.name, kind: 'audio', codecs, bandwidth: audioBandwidth }]
        : [{
          name: rendition.name,
          kind: 'video',
          codecs,
          bandwidth: bandwidthOf(rendition),
          width: rendition.width,
          height: rendition.height,
          frameRate: rendition.fps,
        }];
    });
    const text = renderMasterPlaylist(variants, audio);
    if (text === lastMaster) return;
    lastMaster = text;
    if (options.lowLatency) {
      const standard = (uri: string) => uri.replace(/\/ll\.m3u8$/, '/index.m3u8');
      await writeFileAtomic(
        join(roomDir, STANDARD_MASTER),
        renderMasterPlaylist(
          variants.map((variant) => ({ ...variant, uri: standard(variant.uri) })),
          audio && { ...audio, uri: standard(audio.uri) },
        ),
      );
    }
    await writeFileAtomic(join(roomDir, 'master.m3u8'), text);
  };

  const dash = createDashWriter({
    roomDir,
    segmentSeconds,
    // Never less than the live window: 0 turns the DVR off, not the manifest.
    dvrSeconds: Math.max(options.dvrWindowSeconds, options.windowSegments * segmentSeconds),
  });
  /** What the manifest says of each rendition, as of the last master playlist. */
  let dashRenditions: DashMeta[] = [];
  let dashWriting: Promise<void> = Promise.resolve();
  /** Brings manifest.mpd up to date with the playlists (writes one at a time). */
  const writeDash = (ended = false) => {
    dashWriting = dashWriting.then(async () => {
      const renditions = dashRenditions.map((meta) => ({
        ...meta,
        segments: playlists.get(meta.name)?.history() ?? [],
      }));
      await dash.write(renditions, ended).catch((error) =>
        log.warn('could not write the DASH manifest', { reason: (error as Error).message })
      );
    });
    return dashWriting;
  };

  /** Says once per run which clock its program date times follow. */
  const noteClock = (current: Run, playlist: RenditionPlaylist) => {
    const clock = current.clock.of;
    if (!clock) return;
    const shift = playlist.currentRunShiftMs();
    const fields = {
      run: current.runId,
      captureEpoch: new Date(clock.epochMs).toISOString(),
      start: clock.startSeconds,
      captureStart: new Date(clock.captureStartMs).toISOString(),
    };
    if (typeof shift === 'number') {
      log.info("program date times follow the publisher's capture clock", {
        ...fields,
        ffmpegLaterMs: -shift,
      });
    } else {
      log.warn(
        "the publisher's capture clock was not used for this run (is the collector's clock " +
          "synchronised?); program date times follow ffmpeg's",
        fields,
      );
    }
  };

  const findSource = async (clientId: string): Promise<SourceInfo> => {
    const deadline = Date.now() + SOURCE_WAIT_MS;
    // nginx's size can be wrong for a moment at the start (source.ts): it must hold.
    const settler = createSourceSettler();
    while (Date.now() < deadline) {
      const meta = await options.sourceOf(clientId).catch(() => null);
      const source = settler.offer(meta ? sourceFromMeta(meta) : null, Date.now());
      if (source) return source;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const latest = settler.latest();
    if (latest) return latest;
    // Some publishers send no onMetaData; ffprobe reads the stream itself.
    return await probeSource(options.inputUrl, options.ffprobePath);
  };

  const startRun = async (current: Publisher): Promise<Run> => {
    const source = await findSource(current.clientId);
    const plan = planLadder(current.ladder, source, { reencodeSource });
    const runId = `r${Date.now()}`;
    for (const rendition of plan) {
      await mkdir(join(roomDir, rendition.name), { recursive: true });
      // Made (or restored) now: low-latency segments are taken in as they are cut.
      await playlistOf(rendition.name);
    }
    const lowLatency = options.lowLatency;
    const argv = buildLadderArgv({
      inputUrl: options.inputUrl,
      renditions: plan,
      segmentSeconds,
      roomDir,
      runId,
      ...(lowLatency ? { partSeconds: lowLatency.partSeconds } : {}),
    }, options.backend);
    const child = spawn(options.ffmpegPath ?? 'ffmpeg', argv, {
      stdio: ['ignore', 'pipe', 'pipe', ...(lowLatency ? plan.map(() => 'pipe' as const) : [])],
    });
    let created: Run | null = null;
    const { ll, pipesClosed } = lowLatency
      ? readFragmentPipes(child, plan, runId, () => created?.poke())
      : { ll: null, pipesClosed: Promise.resolve() };
    // Within half a frame: RTMP timestamps are whole milliseconds.
    const toleranceSeconds = 0.5 / source.fps + 0.002;
    const probed = hasKeyframeProbe(plan);
    const keyframes = probed ? createKeyframeWatch({ segmentSeconds, toleranceSeconds }) : null;
    const segmentLengths = probed ? null : createSegmentLengthWatch({
      segmentSeconds,
      toleranceSeconds,
    });
    const progress = createProgressParser((block) => {
      if (block.speed !== null) speed = block.speed;
      if (block.outTimeSeconds !== null) keyframes?.progress(block.outTimeSeconds);
    });
    child.stdout!.on('data', (chunk: Buffer) => progress.push(chunk.toString()));
    const clock: Run['clock'] = { of: null };
    const banner = createInputBannerParser((input) => (clock.of = captureClockOf(input)));

    const stderr = createStderrReader((message) => {
      const text = `ffmpeg: ${message.message}`;
      noteError(text);
      if (message.severity === 'info') log.info(text);
      else log.warn(text, { severity: message.severity });
    }, {
      onInfoLine: (line) => {
        const keyframe = keyframeTimeOf(line);
        if (keyframe !== null) keyframes?.keyframe(keyframe, Date.now());
        else banner.line(line);
      },
    });
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    child.stderr!.once('end', () => stderr.end());
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', (error) => {
        noteError(`ffmpeg could not start: ${error.message}`);
        resolve();
      });
    }).then(() => pipesClosed); // the last fragments are still in the pipes at exit
    log.info('ladder started', {
      run: runId,
      source: `${source.width}x${source.height}@${source.fps}`,
      renditions: plan.map((r) => r.name).join(','),
      ...(reencodeSource ? { sourceReencoded: true } : {}),
    });
    created = {
      runId,
      publisher: current,
      plan,
      source,
      child,
      exited,
      startedAt: Date.now(),
      started: new Set(),
      clock,
      keyframes,
      segmentLengths,
      keyframesNoted: false,
      restartForKeyframes: false,
      restartedByOperator: false,
      ll,
      poke: () => {},
    };
    return created;
  };

  /**
   * Low-latency mode: reads rendition i's fragments from ffmpeg's file descriptor 3 + i into
   * parts and segments. A part is news for waiting players at once; a segment also has to
   * be taken into the public playlist, so it wakes the supervisor (`segmentDone`).
   */
  const readFragmentPipes = (
    child: ChildProcess,
    plan: PlannedRendition[],
    runId: string,
    segmentDone: () => void,
  ) => {
    const ll = new Map<string, LlRun>();
    const closed: Promise<void>[] = [];
    plan.forEach((rendition, index) => {
      const output = createLlOutput({
        dir: join(roomDir, rendition.name),
        runId,
        segmentSeconds,
        listSize: PRIVATE_LIST_SIZE,
        onPart: llChanged,
        onSegment: segmentDone,
      });
      const pipe = child.stdio[fragmentPipeFd(index)] as Readable;
      // A read error ends the pipe like ffmpeg's exit does ('close' follows); never thrown.
      pipe.on('error', (error) => noteError(`${rendition.name}'s fragments: ${error.message}`));
      pipe.on('data', (chunk: Buffer) => {
        output.push(chunk);
        const failure = output.failure();
        if (failure) {
          noteError(`could not read ${rendition.name}'s fragments: ${failure}`);
          child.kill('SIGKILL');
        }
      });
      closed.push(
        new Promise<void>((resolve) => {
          pipe.once('close', () => {
            output.end();
            resolve();
          });
        }),
      );
      const run = { runId, output };
      ll.set(rendition.name, run);
      llRuns.set(rendition.name, run);
    });
    return { ll, pipesClosed: Promise.all(closed).then(() => {}) };
  };

  /** Watches one run until ffmpeg exits; kills it when it stalls. */
  const superviseRun = async (current: Run) => {
    let lastProgressAt = Date.now();
    let exited = false;
    void current.exited.then(() => (exited = true));
    const stallMs = 3 * segmentSeconds * 1000;
    // The first segment may wait for the publisher's next keyframe (nginx starts a new
    // subscriber there) and for ffmpeg's probe: up to its 10 s window, then a segment.
    const firstSegmentMs = FIRST_SEGMENT_WAIT_MS + stallMs;
    // A low-latency segment completed (even while the last one was being published) ends
    // the wait: its parts are listed as the next segment's until it is taken in.
    let poked = false;
    let wakeNow: (() => void) | null = null;
    current.poke = () => {
      poked = true;
      wakeNow?.();
    };
    while (!exited) {
      if (!poked) {
        await Promise.race([
          current.exited,
          new Promise<void>((resolve) => {
            wakeNow = resolve;
            setTimeout(resolve, POLL_MS);
          }),
        ]);
      }
      poked = false;
      wakeNow = null;
      if (
        await collect(current).catch((error) => {
          log.warn('could not publish new segments', { reason: (error as Error).message });
          return false;
        })
      ) {
        lastProgressAt = Date.now();
      }
      if (!exited && watchKeyframes(current)) {
        current.child.kill('SIGKILL');
        await current.exited;
      }
      const limitMs = current.started.size === 0 ? firstSegmentMs : stallMs;
      if (!exited && Date.now() - lastProgressAt > limitMs) {
        const message = `ffmpeg stalled (no new segment for ${limitMs / 1000} s); restarting it`;
        noteError(message);
        log.warn(message, { run: current.runId });
        current.child.kill('SIGKILL');
        await current.exited;
      }
    }
    // ffmpeg's last segment is written as it exits.
    await collect(current).catch(() => false);
    return current.started.size > 0;
  };

  /**
   * Takes the run's keyframe verdict; true when the run must stop because it passes the
   * source through and the publisher's keyframes miss the segment boundaries.
   */
  const watchKeyframes = (current: Run): boolean => {
    // A publisher that left says nothing more about its keyframes.
    if (state !== 'live' || publisher !== current.publisher) return false;
    const report = current.keyframes?.report(Date.now()) ?? current.segmentLengths?.report();
    if (!report || report.verdict === 'unknown') return false;
    keyframeReport = report;
    if (report.verdict === 'aligned') {
      reencodeSource = false; // for the next run; this one goes on as it is
      return false;
    }
    const advice = keyframeAdvice(report, segmentSeconds);
    if (!current.keyframes) {
      // Passthrough only: nothing to align with, and re-encoding is what the ladder avoids.
      if (!current.keyframesNoted) {
        log.warn("the publisher's keyframes are further apart than a segment", {
          run: current.runId,
          advice,
        });
      }
      current.keyframesNoted = true;
      return false;
    }
    if (!current.plan.some((r) => r.kind === 'copy') || current.restartForKeyframes) return false;
    log.warn(
      "the publisher's keyframes miss the segment boundaries; re-encoding the source rendition",
      { run: current.runId, advice },
    );
    reencodeSource = true;
    current.restartForKeyframes = true;
    return true;
  };

  const runLoop = async () => {
    while (state === 'live' && publisher) {
      const current = publisher;
      try {
        run = await startRun(current);
      } catch (error) {
        noteError(`ladder could not start: ${(error as Error).message}`);
        log.error('ladder could not start', { reason: (error as Error).message });
        run = null;
      }
      const producedSegments = run ? await superviseRun(run) : false;
      const finished = run;
      const code = run?.child.exitCode;
      run = null;
      speed = null;
      if (state !== 'live') break;
      if (
        publisher !== current || finished?.restartForKeyframes || finished?.restartedByOperator
      ) {
        // A takeover, the source to re-encode or an operator's restart: the next ladder
        // starts at once.
        quickFailures = 0;
        continue;
      }
      quickFailures = producedSegments ? 0 : quickFailures + 1;
      restarts++;
      const delay = RESTART_DELAYS_MS[Math.min(quickFailures, RESTART_DELAYS_MS.length - 1)]!;
      log.warn('ffmpeg exited; restarting the ladder', { code: code ?? null, inMs: delay });
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, delay);
      });
      wake = null;
    }
  };

  const killRun = async (gracefulMs: number) => {
    const current = run;
    if (!current) return;
    if (gracefulMs > 0) {
      const timer = setTimeout(() => current.child.kill('SIGKILL'), gracefulMs);
      await current.exited;
      clearTimeout(timer);
    } else {
      current.child.kill('SIGKILL');
      await current.exited;
    }
  };

  return {
    publisherStarted(next) {
      publisher = next;
      away = null;
      if (state !== 'live') wentLiveAt = Date.now();
      state = 'live';
      if (run) void killRun(0); // the old publisher's stream is gone; read the new one
      wake?.();
      loop ??= runLoop().finally(() => (loop = null));
    },
    publisherGone() {
      if (state !== 'live' || !publisher) return;
      state = 'idle';
      away = { since: Date.now(), windowSeconds: publisher.reconnectWindowSeconds };
      publisher = null;
      wake?.();
      // ffmpeg sees the end of its input and writes its last segment; then it must go.
      void killRun(DRAIN_MS);
      slating ??= slateWhileAway()
        .catch((error) => log.warn('the slate stopped', { reason: (error as Error).message }))
        .finally(() => (slating = null));
    },
    playerJoined() {
      run?.keyframes?.joined(Date.now());
    },
    async end() {
      state = 'ended';
      publisher = null;
      away = null;
      await killRun(0);
      await loop;
      await slating;
      await endPlaylists();
    },
    restart() {
      if (state !== 'live' || !run) return false;
      run.restartedByOperator = true;
      log.info('an operator restarted the ladder', { run: run.runId });
      void killRun(0);
      return true;
    },
    state: () => state,
    renditionStatus: () => (run?.plan ?? []).map((rendition) => ({ name: rendition.name, speed })),
    restarts: () => restarts,
    newestSegments: () => [...newest].map(([rendition, { at }]) => ({ rendition, at })),
    videoRenditions: () =>
      (run?.plan ?? []).flatMap((r) => (r.kind === 'audio' ? [] : [r]))
        .sort((a, b) => a.height - b.height).map((r) => r.name),
    recentErrors: () => errors.slice(-10),
    ingestStatus: () => ({
      keyframeIntervalSeconds: keyframeReport?.intervalSeconds
        ? Math.min(3600, Math.round(keyframeReport.intervalSeconds * 1000) / 1000)
        : null,
      advice: keyframeReport ? keyframeAdvice(keyframeReport, segmentSeconds) : null,
      sourceReencoded: run?.plan.some((r) => r.kind === 'video' && r.replacesCopy) ?? false,
    }),
    lowLatencyView(name) {
      const playlist = playlists.get(name);
      const lowLatency = options.lowLatency;
      if (!lowLatency || !playlist) return null;
      return lowLatencyView(playlist, llRuns.get(name) ?? null, lowLatency.partTargetSeconds);
    },
    onLowLatencyChange(listener) {
      llListeners.add(listener);
      return () => llListeners.delete(listener);
    },
    ffmpegPid: () => run?.child.pid ?? null,
    runStartedAt: () => run?.startedAt ?? null,
    liveSince: () => (state === 'live' ? wentLiveAt : null),
    sweep() {
      const keep = new Map<string, Set<string>>();
      for (const [name, playlist] of playlists) keep.set(name, playlist.referencedFiles());
      if (run) {
        for (const rendition of run.plan) {
          const files = keep.get(rendition.name) ?? new Set<string>();
          files.add(`${run.runId}.m3u8`);
          files.add(initSegmentName(run.runId));
          // The parts a low-latency playlist may still list.
          const ll = run.ll?.get(rendition.name)?.output;
          for (const uri of ll ? ll.listedParts() : []) files.add(uri);
          keep.set(rendition.name, files);
        }
      }
      return sweepRoomDir(roomDir, { keep, olderThanMs: SWEEP_AFTER_MS });
    },
    async close() {
      const previous = state;
      state = previous === 'ended' ? 'ended' : 'idle';
      publisher = null;
      closing = true;
      wake?.();
      await killRun(0);
      await loop;
      await slating;
    },
  };
}

/** A low-latency run has cut media (a part, at least) in some rendition. */
function hasParts(run: Run): boolean {
  for (const { output } of run.ll?.values() ?? []) {
    if (output.segmentCount() > 0 || output.pendingParts().length > 0) return true;
  }
  return false;
}

/** What a rendition is configured to use, in bits per second, with encoder headroom. */
function nominalBitsPerSecond(rendition: PlannedRendition): number {
  switch (rendition.kind) {
    case 'video':
      return rendition.videoKbps * 1.1 * 1000;
    case 'audio':
      return rendition.audioKbps * 1000;
    case 'copy':
      return 0; // known only from its segments
  }
}
