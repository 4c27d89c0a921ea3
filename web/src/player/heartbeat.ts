// The viewer's heartbeat: every 30 s while the page is open and has a session, whether the
// video really plays. It is what viewer counts (and later billing) are made of; a failed
// one is just skipped, the viewer never hears of it.
import type { HeartbeatAnswer } from '../api.ts';

export const HEARTBEAT_INTERVAL_MS = 30_000;

export interface HeartbeatOptions {
  session(): string | null;
  playing(): boolean;
  send(session: string, playing: boolean): Promise<HeartbeatAnswer>;
  answered(answer: HeartbeatAnswer): void;
}

export interface Heartbeat {
  /** Beat now and every interval after; a second start does nothing. */
  start(): void;
  stop(): void;
}

export function createHeartbeat(options: HeartbeatOptions): Heartbeat {
  let timer: ReturnType<typeof setInterval> | undefined;
  const beat = () => {
    const session = options.session();
    if (!session) return;
    options.send(session, options.playing()).then(
      options.answered,
      (failure) => console.debug('[player] heartbeat failed', failure),
    );
  };
  return {
    start() {
      if (timer !== undefined) return;
      beat();
      timer = setInterval(beat, HEARTBEAT_INTERVAL_MS);
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
