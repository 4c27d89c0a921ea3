// What the player shows, derived from what we know of the room and of playback. One closed
// vocabulary, also published as `data-state` for tests and embedders.
import type { RoomState } from '../api.ts';

export const PLAYER_STATES = [
  'loading',
  'starting',
  'playing',
  'reconnecting',
  'backSoon',
  'offline',
  'ended',
  'error',
] as const;
export type PlayerState = (typeof PLAYER_STATES)[number];

/** What we know of the room: not yet, it does not exist, the address cannot be one, or its state. */
export type RoomKnowledge = 'loading' | 'missing' | 'invalid' | RoomState;

/** Playback while the room is live: no player yet, waiting for a frame, frames moving, stuck. */
export type PlaybackPhase = 'idle' | 'starting' | 'playing' | 'stuck';

/** Why the player shows `error`. */
export type Problem = 'badRoomId' | 'noSuchRoom' | 'unsupported';

export interface StateInputs {
  room: RoomKnowledge;
  playback: PlaybackPhase;
  /** Neither hls.js (MSE) nor native HLS works in this browser. */
  unsupported: boolean;
}

export interface DerivedState {
  state: PlayerState;
  problem: Problem | null;
}

export function derivePlayerState({ room, playback, unsupported }: StateInputs): DerivedState {
  switch (room) {
    case 'invalid':
      return { state: 'error', problem: 'badRoomId' };
    case 'missing':
      return { state: 'error', problem: 'noSuchRoom' };
    case 'loading':
      return { state: 'loading', problem: null };
    case 'backSoon':
    case 'offline':
    case 'ended':
      return { state: room, problem: null };
    case 'live':
      if (unsupported) return { state: 'error', problem: 'unsupported' };
      if (playback === 'playing') return { state: 'playing', problem: null };
      if (playback === 'stuck') return { state: 'reconnecting', problem: null };
      return { state: 'starting', problem: null };
  }
}

export interface StatusText {
  title: string;
  detail: string;
}

const TEXTS: Record<Exclude<PlayerState, 'error'>, StatusText> = {
  loading: { title: 'Loading…', detail: '' },
  starting: { title: 'Starting the stream…', detail: '' },
  playing: { title: '', detail: '' },
  reconnecting: { title: 'Reconnecting…', detail: 'The stream stalled; trying again.' },
  backSoon: {
    title: 'Be right back',
    detail: 'The stream paused. It resumes here by itself, no need to reload.',
  },
  offline: { title: 'Offline', detail: 'This room has not started yet. It starts here by itself.' },
  ended: { title: 'This event has ended', detail: 'Thank you for watching.' },
};

const PROBLEMS: Record<Problem, StatusText> = {
  badRoomId: {
    title: 'No such room',
    detail: 'This address does not name a room. Check the link, or see all rooms.',
  },
  noSuchRoom: { title: 'No such room', detail: 'Check the link, or see all rooms.' },
  unsupported: {
    title: 'This browser cannot play HLS',
    detail: 'Try a current version of Firefox, Chrome, Edge or Safari.',
  },
};

/** The overlay's text; empty while playing. */
export function statusText({ state, problem }: DerivedState): StatusText {
  if (state === 'error') return PROBLEMS[problem ?? 'noSuchRoom'];
  return TEXTS[state];
}
