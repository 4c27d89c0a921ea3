// Who is chatting. The browser holds one signed cookie (HttpOnly, only sent to the chat
// API): either the login session of an account, or a guest the edge made up (an id and a
// name). The WebSocket, the event stream and posts all read it, so no token travels in a
// URL or a frame. An account's name and role are read from the database on every
// connection, a guest's from the cookie the edge signed: never from what the client sends.
import type { ChatAuthor, ChatRole } from '../../core/wire/chat.ts';
import {
  hmacSha256,
  randomBase64Url,
  timingSafeEqual,
  toBase64Url,
} from '../../core/wire/encoding.ts';
import type { EdgeDeps } from '../deps.ts';
import { type Account, accountForSession } from '../services/accounts.ts';

export const CHAT_COOKIE = 'roomcast_chat';
/** The cookie is only sent to the chat API, never to pages or other routes. */
export const CHAT_COOKIE_PATH = '/api/v1/chat';
const GUEST_LIFETIME_MS = 30 * 24 * 3_600_000;

type CookieClaims =
  | { k: 'a'; s: string; exp: number }
  | { k: 'g'; id: string; name: string; exp: number };

export type ChatIdentity =
  | { kind: 'account'; account: Account; author: ChatAuthor }
  | { kind: 'guest'; author: ChatAuthor };

async function signature(deps: EdgeDeps, payload: string): Promise<string> {
  return toBase64Url(await hmacSha256(deps.clusterSecret, `chat-identity:${payload}`));
}

async function seal(deps: EdgeDeps, claims: CookieClaims): Promise<string> {
  const payload = toBase64Url(new TextEncoder().encode(JSON.stringify(claims)));
  return `${payload}.${await signature(deps, payload)}`;
}

async function unseal(deps: EdgeDeps, cookie: string): Promise<CookieClaims | null> {
  const [payload, mac, extra] = cookie.split('.');
  if (!payload || !mac || extra !== undefined || payload.length > 2000) return null;
  if (!timingSafeEqual(mac, await signature(deps, payload))) return null;
  try {
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    if (typeof claims?.exp !== 'number' || claims.exp <= deps.now()) return null;
    if (claims.k === 'a' && typeof claims.s === 'string') return claims;
    if (claims.k === 'g' && typeof claims.id === 'string' && typeof claims.name === 'string') {
      return claims;
    }
  } catch {
    // A cookie we signed always parses; anything else is simply not an identity.
  }
  return null;
}

/** The chat name of an account: its name, else a neutral one (never its email). */
function accountName(account: Account): string {
  return account.name.trim().slice(0, 40) || `user-${account.id.slice(0, 6)}`;
}

export function accountAuthor(account: Account): ChatAuthor {
  return { id: `a:${account.id}`, name: accountName(account), role: account.role as ChatRole };
}

/** A cookie value for an account's login session, valid as long as the session. */
export function accountCookie(
  deps: EdgeDeps,
  session: { sessionId: string; expiresAt: number | null },
): Promise<string> {
  const exp = session.expiresAt ?? deps.now() + GUEST_LIFETIME_MS;
  return seal(deps, { k: 'a', s: session.sessionId, exp });
}

const GUEST_NAME_LETTERS = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A new guest: a random id and a name like `guest-k7qm`, in a cookie for 30 days. */
export async function guestCookie(deps: EdgeDeps): Promise<{ cookie: string; author: ChatAuthor }> {
  const id = randomBase64Url(12);
  const random = crypto.getRandomValues(new Uint8Array(4));
  const name = `guest-${
    [...random].map((b) => GUEST_NAME_LETTERS[b % GUEST_NAME_LETTERS.length]).join('')
  }`;
  const cookie = await seal(deps, { k: 'g', id, name, exp: deps.now() + GUEST_LIFETIME_MS });
  return { cookie, author: { id: `g:${id}`, name, role: 'guest' } };
}

/** The identity a cookie value stands for, or null (none, forged, expired, revoked). */
export async function identityFromCookie(
  deps: EdgeDeps,
  cookie: string | undefined,
): Promise<ChatIdentity | null> {
  if (!cookie) return null;
  const claims = await unseal(deps, cookie);
  if (!claims) return null;
  if (claims.k === 'g') {
    return { kind: 'guest', author: { id: `g:${claims.id}`, name: claims.name, role: 'guest' } };
  }
  const account = await accountForSession(deps, claims.s);
  return account ? { kind: 'account', account, author: accountAuthor(account) } : null;
}

/**
 * Cookie attributes: HttpOnly, only to the chat API. On https the cookie is also sent
 * when the watch page is embedded in another site (SameSite=None), partitioned by that
 * site (CHIPS), so the embed chats while no third party can follow a viewer across sites;
 * the chat's Origin check (origin.ts) keeps other pages from using it. On plain http
 * (a laptop, the demo) browsers refuse SameSite=None, so it stays Lax.
 */
export function cookieOptions(deps: EdgeDeps, maxAgeMs: number) {
  const secure = deps.settings.publicUrl.startsWith('https:');
  const base = {
    httpOnly: true,
    path: CHAT_COOKIE_PATH,
    maxAge: Math.max(1, Math.floor(maxAgeMs / 1000)),
  };
  return secure
    ? { ...base, secure: true, sameSite: 'None' as const, partitioned: true as const }
    : { ...base, secure: false, sameSite: 'Lax' as const };
}
