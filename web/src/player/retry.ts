// How long to wait before the next attempt after a failure that may pass (the encoder
// restarting, a network hiccup): doubling from 1 s, at most 10 s.

export const RETRY_FIRST_MS = 1_000;
export const RETRY_MAX_MS = 10_000;

/** Delay before attempt `attempt + 1` (0 for the first retry): 1, 2, 4, 8, 10, 10… s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(RETRY_FIRST_MS * 2 ** Math.max(0, attempt), RETRY_MAX_MS);
}
