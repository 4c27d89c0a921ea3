// Playback tokens: put the current token on every request to the encoder, and decide when
// to ask for the next one.

/** The query parameters nginx's secure_link reads: expiry, viewer session, hash. */
const TOKEN_PARAMS = ['e', 's', 't'] as const;

/**
 * `url` with the token of `tokenQuery` in place of whatever token it carried (or none).
 * Playlists name their files by relative URIs that may or may not carry a token, and a
 * level playlist reloaded after a renewal still has the old one: rewriting every request
 * makes the newest token apply everywhere. Only URLs of the token's origin are touched, so
 * the token never leaks to another host.
 */
export function withToken(url: string, tokenQuery: string, tokenOrigin: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.origin !== tokenOrigin) return url;
  const token = new URLSearchParams(tokenQuery);
  for (const name of TOKEN_PARAMS) {
    const value = token.get(name);
    if (value === null) parsed.searchParams.delete(name);
    else parsed.searchParams.set(name, value);
  }
  return parsed.href;
}

/** Renew at least this long before the token expires… */
export const RENEW_AHEAD_MS = 60_000;
/** …and never sooner than this after a grant, so a short or odd token cannot make a loop. */
export const RENEW_MIN_DELAY_MS = 5_000;

/**
 * How long to wait before renewing a token granted at `grantedAtMs` that expires at
 * `expiresAtMs` (both on our clock): the earlier of a minute before expiry and half its
 * lifetime, but not before a quarter of its lifetime has passed (with a lifetime under two
 * minutes "a minute before expiry" would come at once, or before the grant).
 */
export function renewalDelayMs(grantedAtMs: number, expiresAtMs: number, nowMs: number): number {
  const lifetime = expiresAtMs - grantedAtMs;
  const preferred = Math.min(expiresAtMs - RENEW_AHEAD_MS, grantedAtMs + lifetime / 2);
  const at = Math.max(preferred, grantedAtMs + lifetime / 4);
  return Math.max(RENEW_MIN_DELAY_MS, at - nowMs);
}

/** Safari plays a src it loaded itself: it gets the new token by a src swap this long before expiry. */
export const NATIVE_SWAP_AHEAD_MS = 15_000;

/** When a native player should swap to the renewed URL: shortly before the old token expires. */
export function nativeSwapDelayMs(oldExpiresAtMs: number, nowMs: number): number {
  return Math.max(0, oldExpiresAtMs - NATIVE_SWAP_AHEAD_MS - nowMs);
}

/**
 * How far our clock runs ahead of the edge's, from its `Date` header (whole seconds, so it
 * is trusted only beyond 2 s): a viewer whose clock is minutes off would otherwise renew
 * too late (403s) or all the time.
 */
export function clockOffsetMs(dateHeader: string | null, localNowMs: number): number {
  const serverMs = dateHeader ? Date.parse(dateHeader) : NaN;
  if (Number.isNaN(serverMs)) return 0;
  const offset = localNowMs - serverMs;
  return Math.abs(offset) > 2000 ? offset : 0;
}

/** The expiry of a grant on our clock (`offsetMs` = our clock minus the edge's). */
export function localExpiryMs(expiresAt: string, offsetMs: number): number {
  return Date.parse(expiresAt) + offsetMs;
}
