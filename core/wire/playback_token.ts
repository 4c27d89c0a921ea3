// Playback tokens: short-lived, scoped to one room and one viewer session, signed by the
// edge and checked by the encoder's nginx with `secure_link` on every playlist and
// segment request, so viewers never make nginx call the edge.
//
// nginx side (rendered by the encoder):
//   location ~ ^/hls/(?<room>[a-z0-9-]+)/ {
//     secure_link     $arg_t,$arg_e;
//     secure_link_md5 "$arg_e:$room:$arg_s $playback_secret";
//     if ($secure_link = "")  { return 403; }   # bad or mutated token
//     if ($secure_link = "0") { return 403; }   # expired
//   }
// nginx's secure_link only knows MD5; the per-node secret keeps it unforgeable, and the
// `:` separators keep room and session from sliding into each other.
import { md5 } from '@noble/hashes/legacy.js';
import { hmacSha256, toBase64Url, toHex, utf8 } from './encoding.ts';

export const PLAYBACK_SESSION_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

export interface PlaybackToken {
  /** Unix seconds after which nginx refuses the token. */
  expires: number;
  /** Viewer session id, also how nginx's log counts distinct viewers. */
  session: string;
  /** base64url MD5, the `t` query parameter. */
  hash: string;
}

/**
 * The secret nginx checks tokens with, derived from the encoder's node secret so no
 * second secret has to be distributed; only the edge and that node can compute it.
 */
export async function playbackSecretFor(nodeSecret: string): Promise<string> {
  return toHex(await hmacSha256(nodeSecret, 'roomcast-playback-v1'));
}

export function playbackTokenHash(
  playbackSecret: string,
  room: string,
  session: string,
  expires: number,
): string {
  return toBase64Url(md5(utf8(`${expires}:${room}:${session} ${playbackSecret}`)));
}

export function signPlaybackToken(
  playbackSecret: string,
  room: string,
  session: string,
  expires: number,
): PlaybackToken {
  if (!PLAYBACK_SESSION_PATTERN.test(session)) {
    throw new Error('playback session id has invalid characters');
  }
  return { expires, session, hash: playbackTokenHash(playbackSecret, room, session, expires) };
}

/** `e`, `s`, `t` query parameters as nginx's secure_link config reads them. */
export function playbackTokenQuery(token: PlaybackToken): string {
  return `e=${token.expires}&s=${encodeURIComponent(token.session)}&t=${token.hash}`;
}

export type PlaybackTokenCheck = { ok: true } | {
  ok: false;
  reason: 'malformed' | 'expired' | 'mismatch';
};

/** The same check nginx does, for RTMP play authorisation and tests. */
export function verifyPlaybackToken(
  playbackSecret: string,
  room: string,
  query: { e?: string | null; s?: string | null; t?: string | null },
  nowSeconds: number,
): PlaybackTokenCheck {
  const { e, s, t } = query;
  if (!e || !s || !t || !/^\d{1,12}$/.test(e) || !PLAYBACK_SESSION_PATTERN.test(s)) {
    return { ok: false, reason: 'malformed' };
  }
  if (playbackTokenHash(playbackSecret, room, s, Number(e)) !== t) {
    return { ok: false, reason: 'mismatch' };
  }
  if (Number(e) < nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true };
}
