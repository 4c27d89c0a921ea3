// One room's playback on a page: follows the room's state, plays it while it is live (grant,
// engine, renewals, heartbeat, recovery) and stops when it is not, without a reload. The
// components only render its snapshot and forward the viewer's choices.
import {
  getRoom,
  type HeartbeatAnswer,
  type ReceivedGrant,
  requestPlayback,
  type RoomDetail,
  sendHeartbeat,
} from '../api.ts';
import { type Engine, type EngineKind, engineKindFor, type Trouble } from './engine.ts';
import { createHeartbeat } from './heartbeat.ts';
import { createHlsEngine } from './hls_engine.ts';
import {
  AUDIO_ONLY,
  audioRendition,
  type LevelInfo,
  levelNameFromUrl,
  type MenuLevel,
  qualityMenu,
} from './levels.ts';
import { glassToGlassSeconds, isNearLive, seekTarget } from './live.ts';
import { createNativeEngine } from './native_engine.ts';
import { createProgressWatch } from './progress.ts';
import { retryDelayMs } from './retry.ts';
import { createRoomWatch } from './room_watch.ts';
import type { RoomcastPlayerApi } from './scripting_api.ts';
import {
  derivePlayerState,
  type PlaybackPhase,
  type PlayerState,
  type Problem,
  type RoomKnowledge,
} from './states.ts';
import { createTokenKeeper, RENEW_RETRY_MS } from './token_keeper.ts';
import type { LatencyMode } from './tuning.ts';

/** Stuck this long with the room still live: the engine is rebuilt from scratch. */
const REBUILD_WHEN_STUCK_MS = 20_000;
/** How often position, live distance and stalls are looked at (also on every timeupdate). */
const TICK_MS = 1_000;

export interface PlaybackSnapshot {
  state: PlayerState;
  problem: Problem | null;
  room: RoomDetail | null;
  /** The edge did not answer the last poll (the shown state may be old). */
  unreachable: boolean;
  engine: EngineKind | null;
  /** The quality menu without "auto". */
  menu: MenuLevel[];
  /** What the menu shows as chosen: 'auto' or a level name. */
  selection: string;
  /** Name of the rendition on screen; '' when unknown. */
  rendition: string;
  auto: boolean;
  audioOnly: boolean;
  behindLive: number | null;
  nearLive: boolean;
  /**
   * Glass-to-glass latency, seconds: how long ago the camera saw the frame on screen (from
   * the playlists' PROGRAM-DATE-TIME); null when unknown. Read with every snapshot, so as
   * often as the position (every timeupdate, at least once a second).
   */
  latencySeconds: number | null;
  /** Expiry (as the edge wrote it) of the token in use; '' when none. */
  tokenExpires: string;
  /** Autoplay was only allowed muted. */
  needsUnmute: boolean;
  /** Autoplay was refused even muted: the viewer has to start it. */
  needsTap: boolean;
}

export interface Playback {
  /** Start following the room. */
  start(): void;
  /** The page's <video>: playback can begin. Returns the detach. */
  attach(video: HTMLVideoElement): () => void;
  subscribe(listener: () => void): () => void;
  snapshot(): PlaybackSnapshot;
  /** A rendition by name, or 'auto'. */
  setLevel(name: string): void;
  goLive(): void;
  seekBy(deltaS: number): void;
  /** The viewer tapped "unmute" after a muted autoplay. */
  unmuted(): void;
  scriptingApi(): RoomcastPlayerApi;
  dispose(): void;
}

export interface PlaybackOptions {
  /** Null when the page's address names no room. */
  roomId: string | null;
  latency: LatencyMode;
}

export function createPlayback({ roomId, latency }: PlaybackOptions): Playback {
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());

  let video: HTMLVideoElement | null = null;
  let engineKind: EngineKind | null = null;
  let knowledge: RoomKnowledge = roomId ? 'loading' : 'invalid';
  let room: RoomDetail | null = null;
  let unreachable = false;

  let phase: PlaybackPhase = 'idle';
  let running = false;
  let engine: Engine | null = null;
  /** The master playlist (without token) the engine plays from: a new one means a rebuild. */
  let engineSource = '';
  /** Bumped by every start, stop and rebuild: late callbacks of older ones do nothing. */
  let generation = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let attempt = 0;
  let stuckSinceMs = 0;
  /** The engine gave up loading (fatal trouble) and waits for resume(). */
  let loadingStopped = false;
  let lastForbiddenMs = -Infinity;

  let selection = 'auto';
  let audioOnly = false;
  /** A level chosen before the engine knew its levels (after a rebuild). */
  let pendingLevel: string | null = null;
  /** The master's levels, remembered while the audio playlist plays on its own. */
  let masterLevels: LevelInfo[] = [];
  let needsUnmute = false;
  let needsTap = false;
  const progress = createProgressWatch();

  const id = roomId ?? '';
  const keeper = createTokenKeeper({
    request: (session): Promise<ReceivedGrant> => requestPlayback(id, session),
    renewed(token) {
      if (!engine) return;
      // A renewal may send the room to another encoder: that is a new source.
      if (withoutQuery(token.url) !== engineSource) {
        buildEngine();
      } else {
        engine.tokenRenewed(token);
        // Loading stopped for want of a token (403s while renewals failed): go on now.
        if (loadingStopped) resume();
      }
      notify();
    },
    notLive: () => watch.pollNow(),
  });
  const heartbeat = createHeartbeat({
    session: keeper.session,
    playing: () => phase === 'playing' && !!video && !video.paused && !video.ended,
    send: (session, playing): Promise<HeartbeatAnswer> => sendHeartbeat(id, session, playing),
    answered(answer) {
      if (!room) return;
      room = { ...room, viewers: answer.viewers };
      if (answer.state !== room.state) watch.pollNow();
      notify();
    },
  });
  const watch = createRoomWatch({
    fetch: () => getRoom(id),
    room(next) {
      room = next;
      knowledge = next.state;
      unreachable = false;
      reconcile();
    },
    missing() {
      room = null;
      knowledge = 'missing';
      unreachable = false;
      reconcile();
    },
    unreachable(failure) {
      console.debug('[player] room poll failed', failure);
      unreachable = true;
      notify();
    },
  });

  /**
   * Play when the room is live and the page can, stop when not. Also while the room is
   * "back soon": its encoder plays a slate then, and the stream goes on in the same
   * playlist when the publisher returns, so a running player carries on (no restart, no
   * jump in time) and a new one starts on the slate.
   */
  function reconcile() {
    const streaming = knowledge === 'live' || knowledge === 'backSoon';
    const shouldRun = streaming && video !== null && engineKind !== null;
    if (shouldRun && !running) void startPlaying();
    else if (!shouldRun && running) stopPlaying();
    notify();
  }

  async function startPlaying() {
    running = true;
    phase = 'starting';
    const mine = ++generation;
    notify();
    try {
      await keeper.acquire();
    } catch (failure) {
      if (mine !== generation) return;
      console.debug('[player] playback grant failed', failure);
      // 409: the edge says not live after all; the poll will tell. Else try again soon.
      watch.pollNow();
      retryTimer = setTimeout(() => {
        if (mine !== generation) return;
        running = false;
        reconcile();
      }, retryDelayMs(attempt++));
      return;
    }
    if (mine !== generation) return;
    heartbeat.start();
    buildEngine();
  }

  function stopPlaying() {
    generation++;
    running = false;
    clearTimeout(retryTimer);
    engine?.destroy();
    engine = null;
    keeper.stop();
    phase = 'idle';
    attempt = 0;
    needsTap = false;
  }

  /** A new engine on the current token: at start, for audio only and back, and to recover. */
  function buildEngine() {
    const token = keeper.current();
    if (!video || !engineKind || !token) return;
    const mine = ++generation;
    clearTimeout(retryTimer);
    engine?.destroy();
    loadingStopped = false;
    engineSource = withoutQuery(token.url);
    const audio = room ? audioRendition(room.renditions) : undefined;
    const playlistUrl = audioOnly && audio
      ? new URL(`${encodeURIComponent(audio.name)}/index.m3u8`, token.url).href
      : token.url;
    if (!audioOnly && selection !== 'auto') pendingLevel = selection;
    const create = engineKind === 'hls.js' ? createHlsEngine : createNativeEngine;
    progress.reset(performance.now());
    stuckSinceMs = 0;
    engine = create({
      video,
      playlistUrl,
      token: () => keeper.current() ?? token,
      latency,
      events: {
        changed: () => mine === generation && engineChanged(),
        trouble: (kind, fatal, detail) => mine === generation && trouble(kind, fatal, detail),
      },
    });
    void autoplay(mine);
    notify();
  }

  function engineChanged() {
    if (!engine) return;
    if (!audioOnly && engine.kind === 'hls.js') masterLevels = engine.levels();
    if (pendingLevel !== null) {
      const entry = menu().find((m) => m.name === pendingLevel && m.index !== AUDIO_ONLY);
      if (entry) {
        pendingLevel = null;
        engine.setLevel(entry.index);
      }
    }
    notify();
  }

  function trouble(kind: Trouble, fatal: boolean, detail: string) {
    console.debug(`[player] ${kind}${fatal ? ' (fatal)' : ''}: ${detail}`);
    if (kind === 'forbidden') {
      void forbidden(fatal);
      return;
    }
    if (!fatal) return;
    loadingStopped = true;
    markStuck();
    // Maybe the room is not live any more: then the poll stops us and no retry happens.
    watch.pollNow();
    const mine = generation;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      if (mine !== generation || !engine) return;
      if (kind === 'network') resume();
      else buildEngine();
    }, retryDelayMs(attempt++));
    notify();
  }

  /** nginx refused the token: renew at once and load on (at most once per renewal period). */
  async function forbidden(fatal: boolean) {
    if (fatal) {
      loadingStopped = true;
      markStuck();
      notify();
    }
    const now = Date.now();
    const recently = now - lastForbiddenMs < RENEW_RETRY_MS;
    lastForbiddenMs = now;
    if (recently) {
      if (fatal) trouble('network', true, 'token refused again');
      return;
    }
    const mine = generation;
    // On success the renewal itself resumes loading (see `renewed` above).
    const renewed = await keeper.renewNow();
    if (mine !== generation || !engine || !fatal || renewed) return;
    trouble('network', true, 'token renewal failed');
  }

  function resume() {
    clearTimeout(retryTimer);
    loadingStopped = false;
    engine?.resume();
  }

  function markStuck() {
    if (phase !== 'stuck') stuckSinceMs = performance.now();
    phase = 'stuck';
  }

  /** Unmuted if the browser lets us; else muted with a "tap to unmute"; else a "tap to play". */
  async function autoplay(mine: number) {
    const element = video;
    if (!element) return;
    try {
      await element.play();
      return;
    } catch (failure) {
      if (mine !== generation || !isNotAllowed(failure)) return; // AbortError: a newer source
    }
    if (!element.muted) {
      element.muted = true;
      needsUnmute = true;
      notify();
      try {
        await element.play();
        return;
      } catch (failure) {
        if (mine !== generation || !isNotAllowed(failure)) return;
      }
    }
    needsTap = true;
    notify();
  }

  /** Position, live distance and stalls; also promotes "starting" once frames move. */
  function tick() {
    if (!video) return;
    if (engine) {
      const now = performance.now();
      const seen = progress.observe(video.currentTime, !video.paused && !video.ended, now);
      if (seen === 'advancing') {
        if (phase !== 'playing') attempt = 0;
        phase = 'playing';
        needsTap = false;
      } else if (seen === 'stalled' && phase === 'playing') {
        markStuck();
        watch.pollNow();
      } else if (phase === 'stuck' && now - stuckSinceMs > REBUILD_WHEN_STUCK_MS) {
        console.debug('[player] stuck too long: rebuilding');
        buildEngine();
        phase = 'stuck';
        stuckSinceMs = now;
      }
    }
    notify();
  }

  function menu(): MenuLevel[] {
    return qualityMenu(masterLevels, room?.renditions ?? []);
  }

  function rendition(): string {
    if (!engine) return '';
    if (audioOnly) return menu().find((m) => m.index === AUDIO_ONLY)?.name ?? 'audio';
    const index = engine.playingLevel();
    if (index < 0) return '';
    return menu().find((m) => m.index === index)?.name ??
      levelNameFromUrl(masterLevels[index]?.url ?? '');
  }

  function setLevel(name: string) {
    if (name === 'auto') {
      selection = 'auto';
      pendingLevel = null;
      if (audioOnly) {
        audioOnly = false;
        buildEngine();
      } else {
        engine?.setLevel(-1);
      }
      notify();
      return;
    }
    const entry = menu().find((m) => m.name === name);
    if (!entry) return;
    selection = name;
    if (entry.index === AUDIO_ONLY) {
      if (!audioOnly) {
        audioOnly = true;
        buildEngine();
      }
    } else if (audioOnly) {
      audioOnly = false;
      pendingLevel = name;
      buildEngine();
    } else {
      engine?.setLevel(entry.index);
    }
    notify();
  }

  const api: RoomcastPlayerApi = {
    levels: () => menu().map((m) => m.name),
    currentLevel: () => rendition() || null,
    setLevel,
    playingDate: () => engine?.playingDate() ?? null,
    behindLive: () => engine?.behindLive() ?? null,
    hls: () => engine?.instance() ?? null,
  };

  let tickTimer: ReturnType<typeof setInterval> | undefined;

  return {
    start() {
      if (roomId) watch.start();
      else notify();
    },
    attach(element) {
      video = element;
      engineKind = engineKindFor(element);
      const volumeChanged = () => {
        if (!element.muted && needsUnmute) {
          needsUnmute = false;
          notify();
        }
      };
      element.addEventListener('timeupdate', tick);
      element.addEventListener('volumechange', volumeChanged);
      tickTimer = setInterval(tick, TICK_MS);
      reconcile();
      return () => {
        stopPlaying();
        clearInterval(tickTimer);
        element.removeEventListener('timeupdate', tick);
        element.removeEventListener('volumechange', volumeChanged);
        video = null;
      };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    snapshot() {
      const derived = derivePlayerState({
        room: knowledge,
        playback: phase,
        unsupported: video !== null && engineKind === null,
      });
      const behindLive = engine?.behindLive() ?? null;
      return {
        ...derived,
        room,
        unreachable,
        engine: engineKind,
        menu: menu(),
        selection,
        rendition: rendition(),
        auto: !audioOnly && (engine ? engine.autoEnabled() : selection === 'auto'),
        audioOnly,
        behindLive,
        nearLive: isNearLive(behindLive, engine?.targetLatency() ?? null),
        latencySeconds: glassToGlassSeconds(engine?.playingDate() ?? null, Date.now()),
        tokenExpires: keeper.current()?.expiresAt ?? '',
        needsUnmute,
        needsTap,
      };
    },
    setLevel,
    goLive() {
      const position = engine?.livePosition() ?? null;
      if (!video || position === null) return;
      video.currentTime = position;
      if (video.paused) video.play().catch((e) => console.debug('[player] play', e));
    },
    seekBy(deltaS) {
      if (!video || !engine) return;
      const ranges = video.seekable;
      const range = ranges.length > 0
        ? { start: ranges.start(0), end: ranges.end(ranges.length - 1) }
        : null;
      const target = seekTarget(video.currentTime, deltaS, range, engine.livePosition());
      if (target !== null) video.currentTime = target;
    },
    unmuted() {
      needsUnmute = false;
      notify();
    },
    scriptingApi: () => api,
    dispose() {
      watch.stop();
      heartbeat.stop();
      stopPlaying();
      clearInterval(tickTimer);
      listeners.clear();
    },
  };
}

function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

function isNotAllowed(failure: unknown): boolean {
  return failure instanceof DOMException && failure.name === 'NotAllowedError';
}
