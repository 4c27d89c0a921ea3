// The edge's chat API as the pages use it (same origin; the chat cookie is HttpOnly and
// sent by the browser to /api/v1/chat only): who we are, joining as a guest, posting where
// the WebSocket cannot be used, deleting as a moderator, and the addresses of the live
// connections. The frames themselves are core/wire/chat.ts.
import type { ChatAuthor, ChatMessage } from '../../../core/wire/chat.ts';
import { ApiError } from '../api.ts';

const BASE = '/api/v1/chat';

/** A chat channel: a room's viewer chat, or an event's crew channel. */
export interface ChatPlace {
  kind: 'rooms' | 'crew';
  id: string;
}

export const roomPlace = (roomId: string): ChatPlace => ({ kind: 'rooms', id: roomId });

export const chatPath = (place: ChatPlace) =>
  `${BASE}/${place.kind}/${encodeURIComponent(place.id)}`;

const withAfter = (path: string, after: number | null) =>
  after === null ? path : `${path}?after=${after}`;

/** The WebSocket of a room's chat, on the page's own host (ws: beside http:, wss: beside https:). */
export function socketUrl(pageUrl: string, place: ChatPlace, after: number | null): string {
  const url = new URL(withAfter(`${chatPath(place)}/ws`, after), pageUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** The event stream of a room's chat (relative: EventSource resolves it against the page). */
export function eventsUrl(place: ChatPlace, after: number | null): string {
  return withAfter(`${chatPath(place)}/events`, after);
}

/** Takes a guest identity (the edge makes up the name and sets the cookie). */
export async function joinAsGuest(): Promise<ChatAuthor> {
  const response = await fetch(`${BASE}/identity`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ guest: true }),
  });
  if (!response.ok) throw await chatError(response, 'joining the chat');
  return ((await response.json()) as { author: ChatAuthor }).author;
}

/**
 * Signs in with an account's email and password and chats as it from now on: the login's
 * token goes straight to the chat identity and is dropped; only the HttpOnly chat cookie
 * (bound to that login, ended with it) stays in the browser.
 */
export async function signIn(email: string, password: string): Promise<ChatAuthor> {
  const login = await fetch('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!login.ok) throw await chatError(login, 'signing in');
  const { token } = (await login.json()) as { token: string };
  const response = await fetch(`${BASE}/identity`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw await chatError(response, 'joining the chat');
  return ((await response.json()) as { author: ChatAuthor }).author;
}

/** Who this browser chats as (the chat cookie), or null; throws when the edge cannot say. */
export async function currentAuthor(): Promise<ChatAuthor | null> {
  const response = await fetch(`${BASE}/identity`, { cache: 'no-store' });
  if (!response.ok) throw await chatError(response, 'asking who you are');
  return ((await response.json()) as { author: ChatAuthor | null }).author;
}

/** Whether this browser may read a channel: null if so, else the edge's reason. */
export async function channelRefusal(place: ChatPlace): Promise<string | null> {
  const response = await fetch(`${chatPath(place)}/settings`, { cache: 'no-store' });
  return response.ok ? null : (await chatError(response, 'opening the chat')).message;
}

const EDGE_ANSWERS_WITHIN_MS = 5_000;

/** Whether the edge answers plain HTTP at all (see connection.ts: sockets blocked or network down). */
export async function edgeAnswers(): Promise<boolean> {
  try {
    const answer = await fetch(`${BASE}/identity`, {
      cache: 'no-store',
      // A network that swallows packets would otherwise hold the reconnect for minutes.
      signal: AbortSignal.timeout(EDGE_ANSWERS_WITHIN_MS),
    });
    return answer.ok;
  } catch {
    return false;
  }
}

export type PostAnswer =
  | { ok: true; message: ChatMessage }
  | { ok: false; message: string; retryAfterSeconds?: number };

/** Posts a message over HTTP (with the event stream); a refusal is an answer, not a throw. */
export async function postMessage(place: ChatPlace, text: string): Promise<PostAnswer> {
  const response = await fetch(`${chatPath(place)}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  if (response.ok) return { ok: true, message: (await response.json()) as ChatMessage };
  const error = await chatError(response, 'sending the message');
  const retryAfter = Number(response.headers.get('retry-after'));
  return {
    ok: false,
    message: error.message,
    ...(retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
  };
}

/** A moderator deletes a message for everyone (the cookie says who; no body). */
export async function deleteMessage(place: ChatPlace, seq: number): Promise<void> {
  const response = await fetch(`${chatPath(place)}/messages/${seq}`, { method: 'DELETE' });
  if (!response.ok) throw await chatError(response, 'deleting the message');
}

/** The edge answers `{error:{code,message}}`; anything else (a proxy's page) keeps the status. */
async function chatError(response: Response, what: string): Promise<ApiError> {
  let message = `${what} failed (${response.status})`;
  try {
    const body = (await response.json()) as { error?: { message?: string } };
    if (body.error?.message) message = body.error.message;
  } catch {
    // not JSON: the status says enough
  }
  return new ApiError(response.status, message);
}
