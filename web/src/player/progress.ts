// Whether frames are moving: playback that should run but whose clock stands still for a
// few seconds has stalled (the encoder stopped, the network died) even when the media
// element reports nothing.

/** Long enough for a normal rebuffer or level switch, short enough that viewers are told. */
export const STALL_AFTER_MS = 4_000;

export type Progress = 'advancing' | 'stalled' | 'waiting';

export interface ProgressWatch {
  /**
   * One observation: the media clock, whether it should be running (not paused by the
   * viewer, not ended), and the wall clock. 'advancing' when the clock moved since the last
   * one, 'stalled' when it should run but has not moved for STALL_AFTER_MS, else 'waiting'.
   */
  observe(currentTimeS: number, shouldRun: boolean, nowMs: number): Progress;
  /** Forget the history (a new source: its clock starts elsewhere). */
  reset(nowMs: number): void;
}

export function createProgressWatch(stallAfterMs = STALL_AFTER_MS): ProgressWatch {
  let lastTime: number | null = null;
  let lastMoveMs = 0;
  return {
    observe(currentTimeS, shouldRun, nowMs) {
      const moved = lastTime !== null && currentTimeS !== lastTime;
      const first = lastTime === null;
      lastTime = currentTimeS;
      if (moved || first || !shouldRun) {
        // A paused player is not stalled: its grace starts again when it should run.
        lastMoveMs = nowMs;
        return moved && shouldRun ? 'advancing' : 'waiting';
      }
      return nowMs - lastMoveMs > stallAfterMs ? 'stalled' : 'waiting';
    },
    reset(nowMs) {
      lastTime = null;
      lastMoveMs = nowMs;
    },
  };
}
