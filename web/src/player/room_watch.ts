// The room's state from the edge, every 5 s, and at once when the player suspects a change
// (a fatal error, a stall, a refused renewal).
import { ApiError, type RoomDetail } from '../api.ts';

export const ROOM_POLL_MS = 5_000;

export interface RoomWatchOptions {
  fetch(): Promise<RoomDetail>;
  room(room: RoomDetail): void;
  /** 404: there is no such room. */
  missing(): void;
  /** Any other failure (network, 5xx): the last known state stands. */
  unreachable(failure: unknown): void;
}

export interface RoomWatch {
  start(): void;
  /** Poll now (or right after the poll in flight), then every interval again. */
  pollNow(): void;
  stop(): void;
}

export function createRoomWatch(options: RoomWatchOptions): RoomWatch {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let polling = false;
  let again = false;
  let stopped = true;

  const poll = async () => {
    clearTimeout(timer);
    polling = true;
    try {
      const room = await options.fetch();
      if (!stopped) options.room(room);
    } catch (failure) {
      if (stopped) return;
      if (failure instanceof ApiError && failure.status === 404) options.missing();
      else options.unreachable(failure);
    } finally {
      polling = false;
      if (!stopped) {
        if (again) {
          again = false;
          void poll();
        } else {
          timer = setTimeout(() => void poll(), ROOM_POLL_MS);
        }
      }
    }
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      void poll();
    },
    pollNow() {
      if (stopped) return;
      if (polling) again = true;
      else void poll();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
