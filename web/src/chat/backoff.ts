// How long to wait before connecting again after the chat connection dropped or failed:
// doubling from half a second up to 15 s, each wait somewhere between half and all of that.
// The spread matters when an edge restarts: every viewer of the event drops at the same
// moment, and without it they would all come back at the same moments too.

export const RECONNECT_FIRST_MS = 500;
export const RECONNECT_MAX_MS = 15_000;

/** The wait before attempt `attempt + 1` (0: the first reconnect). `random` in [0, 1). */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RECONNECT_FIRST_MS * 2 ** Math.max(0, attempt), RECONNECT_MAX_MS);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
