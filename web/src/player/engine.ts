// What plays the stream in the <video>: hls.js where Media Source Extensions exist, the
// browser's own HLS (Safari, iOS) elsewhere. Both do the same few things for the player.
import Hls from 'hls.js/light';
import type { LatencyMode } from './tuning.ts';
import type { LevelInfo } from './levels.ts';

export type EngineKind = 'hls.js' | 'native';

/** The playback token in use. */
export interface Token {
  /** The grant's master playlist URL (token included). */
  url: string;
  tokenQuery: string;
  /** The encoder's origin: only requests there get the token. */
  origin: string;
  /** As the edge wrote it. */
  expiresAt: string;
  /** The same on our clock. */
  expiresAtMs: number;
  session: string;
}

/**
 * Why loading stopped. 'forbidden': nginx refused the token (403); 'network': loading gave
 * up (the engine can resume); 'broken': the engine cannot go on and must be rebuilt.
 */
export type Trouble = 'forbidden' | 'network' | 'broken';

export interface EngineEvents {
  /** The levels, the level on screen or auto selection changed. */
  changed(): void;
  /** Loading failed; `fatal` when it stopped (otherwise the engine still tries itself). */
  trouble(kind: Trouble, fatal: boolean, detail: string): void;
}

export interface EngineOptions {
  video: HTMLVideoElement;
  /** The playlist to play: the master, or one rendition's media playlist. */
  playlistUrl: string;
  /** The current token, read at every request so a renewal applies at once. */
  token(): Token;
  latency: LatencyMode;
  events: EngineEvents;
}

export interface Engine {
  readonly kind: EngineKind;
  /** Playable levels in the engine's order (the index is the engine's level index). */
  levels(): LevelInfo[];
  /** Index of the level on screen; -1 when unknown. */
  playingLevel(): number;
  autoEnabled(): boolean;
  /** Switch now to level `index`; -1 for automatic selection. */
  setLevel(index: number): void;
  /** Seconds behind the live edge; null when unknown. */
  behindLive(): number | null;
  /** How far behind the edge the engine means to play, seconds. */
  targetLatency(): number | null;
  /** Where "jump to live" goes (media time). */
  livePosition(): number | null;
  /** Wall-clock time (ms) of the frame on screen, from the playlists' program date-time. */
  playingDate(): number | null;
  /** Load again after trouble, with the current token. */
  resume(): void;
  /** A renewed token for the same playlist. */
  tokenRenewed(token: Token): void;
  destroy(): void;
  /** The hls.js instance, for scripts; null for native. */
  instance(): unknown;
}

/** Which engine this browser can use, or null when it cannot play HLS at all. */
export function engineKindFor(video: HTMLVideoElement): EngineKind | null {
  // isSupported covers MediaSource and Safari 17's ManagedMediaSource (iPhone included).
  if (Hls.isSupported()) return 'hls.js';
  if (video.canPlayType('application/vnd.apple.mpegurl')) return 'native';
  return null;
}
